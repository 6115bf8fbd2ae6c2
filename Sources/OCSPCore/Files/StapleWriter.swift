import Foundation

/// Puts a staple in place and takes a stale one away: the staple's side of
/// `AtomicFileWriter` (synced, the replaced file's owner and mode kept), with the errors a
/// staple's operator has always read (`StapleWriteError`).
public enum StapleWriter {
    /// Staples' temp files carry this marker, as every file `AtomicFileWriter` writes does.
    public static let temporaryMarker = AtomicFileWriter.temporaryMarker

    public typealias Temporary = AtomicFileWriter.Temporary

    /// The fixed temp file of a writer holding the lock on the staple at `path`.
    public static func lockedTemporaryPath(for path: String) -> String {
        AtomicFileWriter.lockedTemporaryPath(for: path)
    }

    /// Writes the staple, its bytes synced before it is renamed into place and the rename made
    /// durable by the round (`AtomicFileWriter.Durability.syncedByRound`), keeping the replaced
    /// file's owner and mode. Returns the path really written: `path`, or the file a trusted
    /// link leads to.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, temporary naming: Temporary = .unique) throws(StapleWriteError) -> String {
        do {
            return try AtomicFileWriter.write(bytes, as: .staple, to: path, temporary: naming, durability: .syncedByRound)
        } catch {
            throw StapleWriteError(error.failure)
        }
    }

    /// Removes the temp file a killed run left beside `path`. Call only while holding the
    /// lock of `path` (a staple, or its state file: `AtomicFileWriter.removeStaleTemporary`).
    public static func removeStaleTemporary(besides path: String) {
        AtomicFileWriter.removeStaleTemporary(besides: path)
    }

    /// Removes a staple: one unlink, atomic, never a truncation a reader could catch half-way.
    /// Only a regular file is removed; a link that leads nowhere is left as it is.
    /// Returns the path really removed, nil when there was nothing to remove.
    @discardableResult
    public static func remove(_ path: String) throws(StapleWriteError) -> String? {
        if PathResolver.namesAFolder(path) { throw .namesAFolder(path: path) }
        let output: ResolvedPath
        switch PathResolver.resolve(path) {
        case .failure(let error): throw .unsafePath(error)
        case .success(let resolved): output = resolved
        }
        guard let kind = output.kind else { return nil }
        guard kind == .regularFile else { throw .notRegularFile(path: output.path, kind: kind) }
        if let code = output.folder.unlink(output.name) {
            guard code == ENOENT else { throw .removeFailed(path: output.path, reason: SystemError(code).text) }
            return nil
        }
        output.folder.sync()
        return output.path
    }
}

/// Why a staple could not be written or removed. The cases are `AtomicWriteError.Failure`'s,
/// and `removeFailed`; their descriptions name the output the operator configured.
public enum StapleWriteError: Error, Equatable, CustomStringConvertible {
    case outputIsDirectory(path: String)
    /// The path ends in `/` or `/.`: it names a folder, whatever is there now.
    case namesAFolder(path: String)
    /// A device node, FIFO or socket: never replaced or removed.
    case notRegularFile(path: String, kind: FileKind)
    /// The path could not be resolved safely (an untrusted link, a missing folder).
    case unsafePath(PathError)
    /// The output is a link to a name that does not exist: no file is created through it.
    case danglingLink(link: String, target: String)
    /// Something ocspd did not make sits at its temp name.
    case temporaryInTheWay(path: String, kind: FileKind)
    case cannotCreate(folder: String, reason: String)
    case writeFailed(path: String, reason: String)
    case renameFailed(path: String, reason: String)
    case removeFailed(path: String, reason: String)

    init(_ failure: AtomicWriteError.Failure) {
        switch failure {
        case .outputIsDirectory(let path): self = .outputIsDirectory(path: path)
        case .namesAFolder(let path): self = .namesAFolder(path: path)
        case .notRegularFile(let path, let kind): self = .notRegularFile(path: path, kind: kind)
        case .unsafePath(let error): self = .unsafePath(error)
        case .danglingLink(let link, let target): self = .danglingLink(link: link, target: target)
        case .temporaryInTheWay(let path, let kind): self = .temporaryInTheWay(path: path, kind: kind)
        case .cannotCreate(let folder, let reason): self = .cannotCreate(folder: folder, reason: reason)
        case .writeFailed(let path, let reason): self = .writeFailed(path: path, reason: reason)
        case .renameFailed(let path, let reason): self = .renameFailed(path: path, reason: reason)
        }
    }

    public var description: String {
        switch self {
        case .outputIsDirectory(let path):
            return "the output \(path) is a directory; --output names the staple file itself"
        case .namesAFolder(let path):
            return "the output \(path) names a folder; --output names the staple file itself (no trailing /)"
        case .notRegularFile(let path, let kind):
            return
                "\(path) is \(kind), not a staple file; ocspd replaces or removes only regular files and left it as it is; point "
                + "the output at a file of its own"
        case .unsafePath(let error):
            return "\(error)"
        case .danglingLink(let link, let target):
            return
                "\(link) is a symlink to \(target), which does not exist; ocspd never creates a file through a symlink: create "
                + "\(target) or name it as the output"
        case .temporaryInTheWay(let path, let kind):
            return "\(path), ocspd's temp name for this output, holds \(kind) that ocspd did not make; remove it"
        case .cannotCreate(let folder, let reason):
            return "cannot create a file in \(folder): \(reason); check that ocspd's user may write there and the file system has room"
        case .writeFailed(let path, let reason):
            return "writing \(path) failed: \(reason); the previous file is untouched"
        case .renameFailed(let path, let reason):
            return "cannot put the new file in place at \(path): \(reason); the previous file is untouched"
        case .removeFailed(let path, let reason):
            return "cannot remove the stale staple \(path): \(reason)"
        }
    }
}
