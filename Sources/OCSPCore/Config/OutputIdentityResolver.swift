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
    private var folders: [HashedPathKey: [UInt8]?] = [:]
    /// Each path's answer, when `remembersPaths`: a load with folders resolves the same
    /// chains and outputs twice (its own check, then the expansion).
    private var paths: [HashedPathKey: PathKey] = [:]
    private let remembersPaths: Bool
    /// Paths are looked at from their folder's descriptor (`LoadDescriptors`).
    private let descriptors = LoadDescriptors()

    init(remembersPaths: Bool = false) {
        self.remembersPaths = remembersPaths
    }

    /// - Parameter known: whether the last component is not a symlink (or does not exist), when
    ///   the caller has just seen it (`LoadFileCheck`); nil to look (`lstat`).
    mutating func identity(of path: String, lastComponentPlain known: Bool? = nil) -> PathKey {
        guard remembersPaths else { return resolve(path, lastComponentPlain: known) }
        let key = HashedPathKey(path)
        if let answer = paths[key] { return answer }
        let answer = resolve(path, lastComponentPlain: known)
        paths[key] = answer
        return answer
    }

    private mutating func resolve(_ path: String, lastComponentPlain known: Bool?) -> PathKey {
        guard let (folder, name) = Self.split(path), let base = (known ?? lastComponentIsPlain(path)) ? resolved(folder) : nil
        else {
            return OutputIdentity.of(path)
        }
        return PathKey(bytes: (base == [UInt8(ascii: "/")] ? [] : base) + [UInt8(ascii: "/")] + name)
    }

    /// The folder part (`.` for a bare name) and the last component, when that component is
    /// an ordinary name: not empty, `.` or `..`, and the path holds no NUL.
    static func split(_ path: String) -> (folder: String, name: [UInt8])? {
        let bytes = Array(path.utf8)
        guard !bytes.contains(0) else { return nil }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/"))
        let name = Array(bytes[(slash.map { $0 + 1 } ?? 0)...])
        guard !name.isEmpty, name != [0x2E], name != [0x2E, 0x2E] else { return nil }
        guard let slash else { return (".", name) }
        return (slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self), name)
    }

    /// True when the path names nothing (`ENOENT`) or something that is not a symlink.
    private func lastComponentIsPlain(_ path: String) -> Bool {
        var status = stat()
        if descriptors.linkStatus(path, &status) == 0 { return status.st_mode & S_IFMT != S_IFLNK }
        return errno == ENOENT
    }

    private mutating func resolved(_ folder: String) -> [UInt8]? {
        let key = HashedPathKey(folder)
        if let known = folders[key] { return known }
        let answer = OutputIdentity.realPath(folder)
        folders[key] = answer
        return answer
    }
}
