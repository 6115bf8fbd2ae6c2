import Foundation

/// Why a path ocspd was asked to write, remove or trust could not be resolved safely.
public enum PathError: Error, Equatable, CustomStringConvertible {
    /// A link someone else could have planted or changed.
    case untrustedLink(link: String, owner: uid_t, folder: String, folderOwner: uid_t, folderMode: mode_t, problem: PathTrust.LinkProblem)
    /// A folder on the path, reached through `link` (nil: the path itself must be trusted).
    case untrustedFolder(folder: String, owner: uid_t, mode: mode_t, link: String?, problem: PathTrust.FolderProblem)
    /// The file itself may be written by someone other than root (configuration, hooks).
    case untrustedFile(path: String, owner: uid_t, mode: mode_t)
    case missingFolder(path: String)
    case notAFolder(path: String, kind: FileKind)
    case tooManyLinks(path: String)
    case system(path: String, code: Int32)

    /// The rule a refused link or folder broke, quoted in its message.
    private static let rule =
        "ocspd follows a link only when the link and every folder on the resolved path belong to root or to the user ocspd "
        + "runs as and no one else may write them"

    public var description: String {
        switch self {
        case .untrustedLink(let link, let owner, let folder, let folderOwner, let folderMode, let problem):
            return Self.untrustedLink(
                link, owner: owner, folder: folder, folderOwner: folderOwner, folderMode: folderMode, problem: problem)
        case .untrustedFolder(let folder, let owner, let mode, let link?, let problem):
            let what =
                problem == .foreignOwner
                ? "belongs to \(OwnerName.of(owner)) (mode \(ModeText.of(mode)))"
                : "may be written by others (mode \(ModeText.of(mode)), owner \(OwnerName.of(owner)))"
            return "the symlink \(link) leads through \(folder), which \(what); \(Self.rule)"
        case .untrustedFolder(let folder, let owner, let mode, nil, _):
            return
                "the folder \(folder) is owned by \(OwnerName.of(owner)) with mode \(ModeText.of(mode)): someone other than root "
                + "may change what is in it; as root, ocspd trusts only what root alone may write: chown root \(folder) and chmod go-w \(folder)"
        case .untrustedFile(let path, let owner, let mode):
            return
                "\(path) is owned by \(OwnerName.of(owner)) with mode \(ModeText.of(mode)): someone other than root may change it; "
                + "as root, ocspd trusts only what root alone may write: chown root \(path) and chmod go-w \(path)"
        case .missingFolder(let path):
            return "cannot create a file in \(path): no such folder; create it, writable for the user ocspd runs as"
        case .notAFolder(let path, let kind):
            return "\(path) is \(kind), not a folder"
        case .tooManyLinks(let path):
            return "\(path) passes through more than \(PathResolver.maximumLinks) symlinks (a loop?)"
        case .system(let path, let code) where code == EILSEQ:
            return
                "cannot follow \(path): the link's target is not UTF-8 text, and ocspd takes paths byte for byte or refuses them; "
                + "point the link at a UTF-8 name"
        case .system(let path, let code):
            return "cannot look at \(path): \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    private static func untrustedLink(
        _ link: String, owner: uid_t, folder: String, folderOwner: uid_t, folderMode: mode_t, problem: PathTrust.LinkProblem
    ) -> String {
        switch problem {
        case .foreignLink:
            return
                "\(link) is a symlink owned by \(OwnerName.of(owner)); \(rule). Replace the link with the file itself, or name the file it points to"
        case .folder(.foreignOwner):
            return
                "\(link) is a symlink in \(folder), which belongs to \(OwnerName.of(folderOwner)) (mode \(ModeText.of(folderMode))); \(rule)"
        case .folder(.writableByOthers):
            return
                "\(link) is a symlink in \(folder), which others may write (mode \(ModeText.of(folderMode)), owner \(OwnerName.of(folderOwner))); \(rule)"
        }
    }
}

/// What is at a name, as an operator would call it.
public enum FileKind: String, Sendable, Equatable, CustomStringConvertible {
    case regularFile = "a regular file"
    case folder = "a folder"
    case symlink = "a symlink"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case fifo = "a FIFO (named pipe)"
    case socket = "a socket"
    case unknown = "a special file"

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .folder
        case S_IFLNK: self = .symlink
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }

    public var description: String { rawValue }
}
