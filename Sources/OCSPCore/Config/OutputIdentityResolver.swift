import Foundation

/// `OutputIdentity.of` for many paths at once, with the folders' resolutions remembered: a
/// configuration of 10,000 entries names a few folders, and `realpath` reads every link on
/// every component of every path (66 readlink calls per entry measured). A path whose last
/// component is not a symlink (or does not exist) is the same file as its resolved folder
/// followed by its name, which is what `OutputIdentity.of` answers too; anything else (the
/// last component a symlink, a name `.` or `..`, a folder that does not resolve, a `lstat`
/// that fails otherwise than "no such file") is resolved by `OutputIdentity.of` itself.
/// For one load or one expansion: a folder renamed meanwhile is seen at the next one.
struct OutputIdentityResolver {
    private var folders: [PathKey: [UInt8]?] = [:]
    /// The previous path's folder and its resolution.
    private var lastFolder: (folder: [UInt8], base: [UInt8]?)?
    /// Each path's answer, when `remembersPaths`: a load with folders resolves the same
    /// chains and outputs twice (its own check, then the expansion).
    private var paths: [PathKey: PathKey] = [:]
    private let remembersPaths: Bool
    /// Whether each path's last component is no symlink, looked at ahead on every core
    /// (`lookAhead`): a load of 10,000 found chains looked at their outputs one by one on one
    /// core while the other had nothing to do.
    private var lookedAt: [PathKey: Bool] = [:]
    /// Paths are looked at from their folder's descriptor (`LoadDescriptors`).
    private let descriptors = LoadDescriptors()

    init(remembersPaths: Bool = false) {
        self.remembersPaths = remembersPaths
    }

    /// - Parameter known: whether the last component is not a symlink (or does not exist), when
    ///   the caller has just seen it (`LoadFileCheck`); nil to look (`lstat`).
    mutating func identity(of path: String, lastComponentPlain known: Bool? = nil) -> PathKey {
        guard remembersPaths else { return resolve(path, lastComponentPlain: known) }
        let key = PathKey(path)
        if let answer = paths[key] { return answer }
        let answer = resolve(path, lastComponentPlain: known)
        paths[key] = answer
        return answer
    }

    /// Looks at the last component of each of `paths` now, on every core, for `identity`.
    mutating func lookAhead(at paths: [String]) {
        guard paths.count > 1 else { return }
        let answers = ParallelMap.map(
            paths, state: { LoadDescriptors() },
            { descriptors, path in Self.lastComponentIsPlain(path, descriptors: descriptors) })
        lookedAt.reserveCapacity(lookedAt.count + paths.count)
        for (path, plain) in zip(paths, answers) { lookedAt[PathKey(path)] = plain }
    }

    private mutating func resolve(_ path: String, lastComponentPlain known: Bool?) -> PathKey {
        var spelled = path
        let looked = known ?? (lookedAt.isEmpty ? nil : lookedAt[PathKey(path)])
        let answer = spelled.withUTF8 { bytes -> PathKey? in
            guard let slash = Self.lastSlash(bytes), looked ?? lastComponentIsPlain(path),
                let base = resolvedFolder(bytes, slash: slash)
            else { return nil }
            var identity: [UInt8] = []
            identity.reserveCapacity(base.count + bytes.count - slash)
            if base != [UInt8(ascii: "/")] { identity += base }
            identity.append(UInt8(ascii: "/"))
            identity += UnsafeBufferPointer(rebasing: bytes[(slash + 1)...])
            return PathKey(bytes: identity)
        }
        return answer ?? OutputIdentity.of(path)
    }

    /// The folder part (`.` for a bare name) and the last component, when that component is
    /// an ordinary name: not empty, `.` or `..`, and the path holds no NUL.
    static func split(_ path: String) -> (folder: String, name: [UInt8])? {
        var path = path
        return path.withUTF8 { bytes in
            guard let slash = lastSlash(bytes) else { return nil }
            let name = Array(bytes[(slash + 1)...])
            return (slash < 0 ? "." : slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self), name)
        }
    }

    /// Where the last `/` is (-1: none), when the last component is an ordinary name: not
    /// empty, `.` or `..`, and the path holds no NUL; nil otherwise.
    static func lastSlash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let start = bytes.baseAddress, memchr(start, 0, bytes.count) == nil else { return nil }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        let name = bytes.count - slash - 1
        let dot = UInt8(ascii: ".")
        guard name > 0, !(name == 1 && bytes[slash + 1] == dot), !(name == 2 && bytes[slash + 1] == dot && bytes[slash + 2] == dot)
        else { return nil }
        return slash
    }

    /// The resolved folder of the path whose last `/` is at `slash`: the previous path's
    /// folder again without a look-up, or `resolved`.
    private mutating func resolvedFolder(_ bytes: UnsafeBufferPointer<UInt8>, slash: Int) -> [UInt8]? {
        guard slash > 0, let start = bytes.baseAddress else { return resolved(slash < 0 ? "." : "/") }
        if let last = lastFolder, last.folder.count == slash, memcmp(last.folder, start, slash) == 0 { return last.base }
        let folder = Array(bytes[..<slash])
        let base = resolved(String(decoding: folder, as: UTF8.self))
        lastFolder = (folder, base)
        return base
    }

    /// True when the path names nothing (`ENOENT`) or something that is not a symlink.
    private func lastComponentIsPlain(_ path: String) -> Bool {
        Self.lastComponentIsPlain(path, descriptors: descriptors)
    }

    /// The same, from `descriptors`' folders (`ChainPrecheck` asks it on its own threads).
    static func lastComponentIsPlain(_ path: String, descriptors: LoadDescriptors) -> Bool {
        var status = stat()
        if descriptors.linkStatus(path, &status) == 0 { return status.st_mode & S_IFMT != S_IFLNK }
        return errno == ENOENT
    }

    private mutating func resolved(_ folder: String) -> [UInt8]? {
        let key = PathKey(folder)
        if let known = folders[key] { return known }
        let answer = OutputIdentity.realPath(folder)
        folders[key] = answer
        return answer
    }
}
