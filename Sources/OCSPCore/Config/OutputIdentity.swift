import Foundation

/// Which file an output path names, whatever its spelling: `out/s.der`, `./out/s.der`,
/// `out/../out/s.der` and a path through a symlinked folder are one file, and two entries
/// writing one file would overwrite each other's proofs on every run. The identity is bytes
/// (`PathKey`): NFC and NFD spellings of one name are two files, never one.
enum OutputIdentity {
    /// The whole path resolved by `realpath` when it exists (an output that is a symlink is
    /// one file with its target); else the longest existing folder above it resolved, the
    /// rest normalised lexically, then the file name.
    static func of(_ path: String) -> PathKey {
        if let whole = realPath(path) { return PathKey(bytes: whole) }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = (absolute as NSString).deletingLastPathComponent
        var rest = [(absolute as NSString).lastPathComponent]
        while realPath(existing) == nil && existing != "/" && !existing.isEmpty {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        let base = realPath(existing) ?? [UInt8(ascii: "/")]
        return PathKey(bytes: lexicallyNormalised(base + Array(("/" + rest.joined(separator: "/")).utf8)))
    }

    /// What `realpath` answers, as the bytes it gave: a folder on the way may have a name
    /// that is not UTF-8.
    static func realPath(_ path: String) -> [UInt8]? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let length = strlen(resolved)
        return resolved.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    /// `/a/./b//c/../d` as `/a/b/d`, without asking the file system.
    static func lexicallyNormalised(_ absolute: [UInt8]) -> [UInt8] {
        var parts: [ArraySlice<UInt8>] = []
        for part in absolute.split(separator: UInt8(ascii: "/")) {
            switch Array(part) {
            case [0x2E]: continue
            case [0x2E, 0x2E]: _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return parts.reduce(into: [UInt8]()) { $0 += [UInt8(ascii: "/")] + $1 }.nonEmpty ?? [UInt8(ascii: "/")]
    }
}

extension Array {
    fileprivate var nonEmpty: Self? { isEmpty ? nil : self }
}
