import Foundation

/// Where a path really leads: the open folder holding its last name, and what is there.
struct ResolvedPath {
    let folder: SafeFolder
    let name: String
    /// What is at `name` now (never a link: links are followed), nil when nothing is.
    let entry: stat?
    /// The path really used: the one given, or the resolved one when a link was followed.
    let path: String
    /// The first link followed, if any.
    let link: String?
    /// Set when the given path ends in a link to a name that does not exist.
    let danglingLink: String?

    var kind: FileKind? { entry.map { FileKind(mode: $0.st_mode) } }
}

/// Resolves a path one component at a time with `openat(O_PATH | O_NOFOLLOW)`, as systemd's
/// `chase()` does, deciding about each link as it is met: nothing can be swapped between the
/// check and the use, and `fs.protected_symlinks` is not relied on.
enum PathResolver {
    static let maximumLinks = 40

    /// - Parameter wholePath: check every folder even when no link is followed (what root
    ///   runs or reads as instructions); otherwise only a followed link brings the rule in.
    static func resolve(_ path: String, trust: PathTrust = .outputs, wholePath: Bool = false) -> Result<ResolvedPath, PathError> {
        guard !path.isEmpty else { return .failure(.system(path: path, code: ENOENT)) }
        var absolute = path
        if !path.hasPrefix("/") {
            // From `/`, so that every folder on the way is seen and checked.
            guard let working = workingFolder() else { return .failure(.system(path: ".", code: errno)) }
            absolute = working + "/" + path
        }
        if let lookups = RoundLookups.current {
            return lookups.resolve(absolute, given: path, trust: trust, wholePath: wholePath)
        }
        return walk(components(absolute), given: path, trust: trust, wholePath: wholePath).result
    }

    /// Resolves `components` from `/`. `folders` is the walk as it stood once every folder
    /// before the last name was passed (nil when the walk stopped before): where any other
    /// name in that folder resolves from.
    static func walk(
        _ components: [String], given: String, trust: PathTrust, wholePath: Bool
    ) -> (result: Result<ResolvedPath, PathError>, folders: FolderWalk?) {
        switch SafeFolder.start(absolute: true) {
        case .failure(let error): return (.failure(.system(path: "/", code: error.code)), nil)
        case .success(let root):
            var walk = Walk(root: root, trust: trust, wholePath: wholePath, given: given)
            let result = walk.run(components)
            return (result, walk.beforeLastName)
        }
    }

    /// Resolves the last name `name` from a walk that passed its folders already.
    static func resume(_ folders: FolderWalk, name: String, given: String, trust: PathTrust, wholePath: Bool) -> Result<
        ResolvedPath, PathError
    > {
        var walk = Walk(resuming: folders, trust: trust, wholePath: wholePath, given: given)
        return walk.run([name])
    }

    /// Whether `path` ends in `/`, `/.` or `/..` (or is `.` or `..`): it names a folder, so
    /// no file may be created under its last name (`out/newdir/` would otherwise make a file
    /// `newdir`).
    static func namesAFolder(_ path: String) -> Bool {
        path.hasSuffix("/") || path == "." || path == ".." || path.hasSuffix("/.") || path.hasSuffix("/..")
    }

    /// Split at every `/` byte, as the kernel does: splitting the String would compare
    /// Characters, and a `/` followed by a combining mark is one Character.
    static func components(_ path: String) -> [String] {
        path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A walk stopped once it has passed every folder before the last name: the folders
    /// open on the way (`/` first), and the links it followed to get there.
    struct FolderWalk: @unchecked Sendable {
        // SafeFolder is immutable and Sendable; the array is never changed once made.
        let root: SafeFolder
        let folders: [SafeFolder]
        let links: Int
        let firstLink: String?
    }

    private static func workingFolder() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The state of one resolution.
    private struct Walk {
        let root: SafeFolder
        let trust: PathTrust
        let wholePath: Bool
        let given: String
        var folders: [SafeFolder]
        var links = 0
        var firstLink: String? = nil
        /// The link that supplied the last name, when the given path ends in one.
        var finalLink: String? = nil

        /// The walk as it stood before the given path's last name was looked at.
        var beforeLastName: FolderWalk? = nil
        private var passedFolders = false

        init(root: SafeFolder, trust: PathTrust, wholePath: Bool, given: String) {
            self.root = root
            self.trust = trust
            self.wholePath = wholePath
            self.given = given
            folders = [root]
        }

        init(resuming walk: FolderWalk, trust: PathTrust, wholePath: Bool, given: String) {
            root = walk.root
            self.trust = trust
            self.wholePath = wholePath
            self.given = given
            folders = walk.folders
            links = walk.links
            firstLink = walk.firstLink
            passedFolders = true
        }

        mutating func run(_ start: [String]) -> Result<ResolvedPath, PathError> {
            walk(start).mapError(checkedAsFarAsItGot)
        }

        /// A path that ends early (a folder missing, a file where a folder should be, a name
        /// gone between two looks) is checked as far as it got, when the whole path must be
        /// trusted: a folder walked that someone else may change is the likelier story (a
        /// folder renamed away for the moment of the check), and is what the operator must fix.
        private func checkedAsFarAsItGot(_ error: PathError) -> PathError {
            switch error {
            case .missingFolder, .notAFolder, .system:
                guard wholePath else { return error }
                return untrustedFolder(endingWith: nil) ?? error
            default:
                return error
            }
        }

        private mutating func walk(_ start: [String]) -> Result<ResolvedPath, PathError> {
            var pending = Array(start.reversed())
            while true {
                // The given path's last name lies at the bottom of the stack: it alone is left
                // the first time the stack holds one name (a link's target goes on top).
                if pending.count == 1, !passedFolders {
                    passedFolders = true
                    beforeLastName = FolderWalk(root: root, folders: folders, links: links, firstLink: firstLink)
                }
                guard let name = pending.popLast() else { break }
                let current = folders[folders.count - 1]
                let isLast = pending.isEmpty
                if name == "." || name == ".." {
                    if name == "..", folders.count > 1 { folders.removeLast() }
                    if isLast { return finish(name: nil) }
                    continue
                }
                let entry: stat
                switch current.entry(name) {
                case .failure(ENOENT) where isLast: return finish(name: name, seen: .some(nil))
                case .failure(ENOENT): return .failure(.missingFolder(path: current.shown(name)))
                case .failure(let error): return .failure(.system(path: current.shown(name), code: error.code))
                case .success(let status): entry = status
                }
                switch FileKind(mode: entry.st_mode) {
                case .symlink:
                    switch follow(name, in: current, isLast: isLast) {
                    case .failure(let error): return .failure(error)
                    case .success(let target): pending.append(contentsOf: target.reversed())
                    }
                case .folder where !isLast:
                    switch current.folder(name, shownAs: current.shown(name)) {
                    case .failure(let error): return .failure(.system(path: current.shown(name), code: error.code))
                    case .success(let folder): folders.append(folder)
                    }
                case _ where isLast:
                    return finish(name: name, seen: entry)
                case let kind:
                    return .failure(.notAFolder(path: current.shown(name), kind: kind))
                }
            }
            return finish(name: nil)
        }

        /// Checks the link `name` and gives the components it stands for.
        private mutating func follow(_ name: String, in folder: SafeFolder, isLast: Bool) -> Result<[String], PathError> {
            let shown = folder.shown(name)
            links += 1
            guard links <= PathResolver.maximumLinks else { return .failure(.tooManyLinks(path: given)) }
            let link: (status: stat, target: String)
            switch folder.link(name) {
            case .failure(let error): return .failure(.system(path: shown, code: error.code))
            case .success(let read): link = read
            }
            if let problem = trust.linkProblem(
                linkOwner: link.status.st_uid, folderOwner: folder.status.st_uid, folderMode: folder.status.st_mode)
            {
                return .failure(
                    .untrustedLink(
                        link: shown, owner: link.status.st_uid, folder: folder.path,
                        folderOwner: folder.status.st_uid, folderMode: folder.status.st_mode & 0o7777, problem: problem))
            }
            if firstLink == nil { firstLink = shown }
            if isLast { finalLink = shown }
            if link.target.hasPrefix("/") { folders = [root] }
            return .success(PathResolver.components(link.target))
        }

        /// The end of the walk: `name` in the current folder (`.` when the path ends in a folder).
        /// - Parameter seen: what the walk just found at `name` (nil inside: nothing there),
        ///   when it looked; otherwise it is looked at here.
        private mutating func finish(name: String?, seen: stat?? = nil) -> Result<ResolvedPath, PathError> {
            let holder = folders[folders.count - 1]
            let last = name ?? "."
            var entry: stat? = nil
            if let seen {
                entry = seen
            } else {
                switch holder.entry(last) {
                case .success(let status): entry = status
                case .failure(ENOENT): entry = nil
                case .failure(let error): return .failure(.system(path: holder.shown(last), code: error.code))
                }
            }
            if wholePath || firstLink != nil {
                if let problem = untrustedFolder(endingWith: entry?.st_uid) { return .failure(problem) }
            }
            let resolvedPath = firstLink == nil ? given : holder.shown(last)
            return .success(
                ResolvedPath(
                    folder: holder, name: last, entry: entry, path: resolvedPath, link: firstLink,
                    danglingLink: entry == nil ? finalLink : nil))
        }

        /// The first folder on the resolved path someone untrusted could change.
        private func untrustedFolder(endingWith lastOwner: uid_t?) -> PathError? {
            for (index, folder) in folders.enumerated() {
                let childOwner = index + 1 < folders.count ? folders[index + 1].status.st_uid : lastOwner
                if let problem = trust.folderProblem(owner: folder.status.st_uid, mode: folder.status.st_mode, childOwner: childOwner) {
                    return .untrustedFolder(
                        folder: folder.path, owner: folder.status.st_uid, mode: folder.status.st_mode & 0o7777,
                        link: firstLink, problem: problem)
                }
            }
            return nil
        }
    }
}
