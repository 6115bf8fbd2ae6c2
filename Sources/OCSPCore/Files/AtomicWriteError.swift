/// Why a file ocspd owns could not be written: which file (`file`) and what went wrong.
public struct AtomicWriteError: Error, Equatable, CustomStringConvertible {
    public let file: OwnedFile
    public let failure: Failure

    public init(_ file: OwnedFile, _ failure: Failure) {
        self.file = file
        self.failure = failure
    }

    public enum Failure: Error, Equatable, Sendable {
        case outputIsDirectory(path: String)
        /// The path ends in `/` or `/.`: it names a folder, whatever is there now.
        case namesAFolder(path: String)
        /// A device node, FIFO or socket: never replaced or removed.
        case notRegularFile(path: String, kind: FileKind)
        /// The path could not be resolved safely (an untrusted link, a missing folder).
        case unsafePath(PathError)
        /// The path is a link to a name that does not exist: no file is created through it.
        case danglingLink(link: String, target: String)
        /// Something ocspd did not make sits at its temp name.
        case temporaryInTheWay(path: String, kind: FileKind)
        case cannotCreate(folder: String, reason: String)
        case writeFailed(path: String, reason: String)
        case renameFailed(path: String, reason: String)
    }

    /// A staple's error reads as it always has (`StapleWriteError`); any other file is named.
    public var description: String {
        if file == .staple { return StapleWriteError(failure).description }
        switch failure {
        case .outputIsDirectory(let path), .namesAFolder(let path):
            return "\(file) \(path) names a folder, not a file; \(file.clearTheName)"
        case .notRegularFile(let path, let kind):
            return "\(path) is \(kind), not \(file); ocspd replaces only regular files and left it as it is; \(file.clearTheName)"
        case .unsafePath(let error):
            return "cannot write \(file): \(error)"
        case .danglingLink(let link, let target):
            return
                "\(file) \(link) is a symlink to \(target), which does not exist; ocspd never creates a file through a symlink: "
                + "create \(target) or remove the link"
        case .temporaryInTheWay(let path, let kind):
            return "\(path), ocspd's temp name for \(file), holds \(kind) that ocspd did not make; remove it"
        case .cannotCreate(let folder, let reason):
            return
                "cannot create \(file) in \(folder): \(reason); check that ocspd's user may write there and the file system has room"
        case .writeFailed(let path, let reason):
            return "writing \(file) \(path) failed: \(reason); the previous one is untouched"
        case .renameFailed(let path, let reason):
            return "cannot put the new \(file.noun) in place at \(path): \(reason); the previous one is untouched"
        }
    }
}
