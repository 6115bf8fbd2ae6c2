import Foundation

/// The folders inotify must watch so that a change to a chain folder is seen however it
/// happens, symlink switches included. inotify watches the inode a path resolves to when the
/// watch is added: a certbot-style switch of a symlinked folder (`live/x` → another archive
/// folder) or of a symlink above it changes nothing in the old target, only the folder that
/// holds the link. So each folder is watched as its resolved path, and so is every real
/// folder holding a symlink on the way to it; after any change the targets are resolved again
/// and watches follow the new ones.
enum WatchTargets {
    /// At most this many symlinks are followed per folder, as the kernel's own limit (ELOOP).
    static let maximumLinks = 40

    /// Keyed by bytes (`PathKey`): two folders whose names differ only in their Unicode
    /// normalisation are two folders, each watched.
    static func resolve(_ folders: Set<PathKey>) -> Set<PathKey> {
        folders.reduce(into: Set<PathKey>()) { targets, folder in
            if let path = folder.path { targets.formUnion(resolve(path)) }
        }
    }

    /// The folder itself resolved, plus the real folders holding each symlink met on the way;
    /// when a component does not exist (yet), the nearest existing folder, where it would appear.
    static func resolve(_ folder: String) -> Set<PathKey> {
        let absolute = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        var pending = absolute.split(separator: "/").map(String.init)
        var resolved = "/"
        var targets = Set<PathKey>()
        var links = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                resolved = parent(of: resolved)
                continue
            }
            let candidate = join(resolved, component)
            var status = stat()
            guard lstat(candidate, &status) == 0 else {
                targets.insert(PathKey(resolved))
                return targets
            }
            switch status.st_mode & S_IFMT {
            case S_IFLNK:
                targets.insert(PathKey(resolved))
                links += 1
                guard links <= maximumLinks, let target = linkTarget(candidate) else { return targets }
                if target.hasPrefix("/") { resolved = "/" }
                pending = target.split(separator: "/").map(String.init) + pending
            case S_IFDIR:
                resolved = candidate
            default:
                targets.insert(PathKey(resolved))
                return targets
            }
        }
        targets.insert(PathKey(resolved))
        return targets
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder == "/" ? "/" + name : folder + "/" + name
    }

    private static func parent(of folder: String) -> String {
        let parent = (folder as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        // A target that is not UTF-8 is not followed: decoded, it would name another folder;
        // the real folder holding the link is watched, and the periodic check does the rest.
        return ByteText.utf8(buffer.prefix(length).map { UInt8(bitPattern: $0) })
    }
}
