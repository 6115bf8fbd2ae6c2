import Foundation

/// An output's lock (`OutputLock`) taken in order to remove the lock file as well: the cleanup
/// of an output ocspd no longer maintains. The file is unlinked only while held (flock, then
/// unlink, then close), and only while its name still leads to the file locked: whoever
/// opened it before the unlink finds, once it has the lock, that the name leads elsewhere and
/// locks the file there (`OutputLock.lock`), so two writers never hold two locks of one output.
final class RemovableLock {
    let lock: StapleLock
    let folder: SafeFolder
    let name: String

    private init(lock: StapleLock, folder: SafeFolder, name: String) {
        self.lock = lock
        self.folder = folder
        self.name = name
    }

    /// The lock of `output`, nil when another process holds it. Throws where no lock can be
    /// had (the output's folder is gone, an untrusted link on the way).
    static func acquire(for output: String) throws(StateError) -> RemovableLock? {
        let resolved: ResolvedPath
        do {
            resolved = try AtomicFileWriter.replaceable(output)
        } catch {
            throw .output(StapleWriteError(error))
        }
        let name = SidecarName.make(for: resolved.name, suffix: OutputLock.suffix)
        guard let lock = try OutputLock.lock(name, in: resolved.folder) else { return nil }
        return RemovableLock(lock: lock, folder: resolved.folder, name: name)
    }

    /// The lock file's path, for messages.
    var path: String { folder.shown(name) }

    /// Unlinks the lock file, still holding it; the lock itself goes when this object does.
    /// Nil when done, else why not.
    func unlinkWhileHeld() -> String? {
        var held = stat()
        guard fstat(lock.descriptor, &held) == 0 else { return SystemError(errno).text }
        guard case .success(let named) = folder.entry(name), named.st_dev == held.st_dev, named.st_ino == held.st_ino else {
            return "its name no longer leads to the file locked"
        }
        if let code = folder.unlink(name), code != ENOENT { return SystemError(code).text }
        return nil
    }
}
