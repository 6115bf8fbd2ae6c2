import Foundation

/// Which file an output path names, whatever its spelling: `out/s.der`, `./out/s.der`,
/// `out/../out/s.der` and a path through a symlinked folder are one file, and two entries
/// writing one file would overwrite each other's proofs on every run.
enum OutputIdentity {
    /// The whole path resolved by `realpath` when it exists (an output that is a symlink is
    /// one file with its target); else the longest existing folder above it resolved, the
    /// rest normalised lexically, then the file name.
    static func of(_ path: String) -> String {
        if let whole = realPath(path) { return whole }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = (absolute as NSString).deletingLastPathComponent
        var rest = [(absolute as NSString).lastPathComponent]
        while realPath(existing) == nil && existing != "/" && !existing.isEmpty {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        let base = realPath(existing) ?? "/"
        return lexicallyNormalised(base + "/" + rest.joined(separator: "/"))
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `/a/./b//c/../d` as `/a/b/d`, without asking the file system.
    static func lexicallyNormalised(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
