import Foundation

/// The lock that makes one ocspd at a time the writer of an output, whatever state folder
/// each uses (a daemon and a cron job, two daemons): a dot-file beside the file really
/// written (`.NAME.ocspd-lock`; HAProxy loads every non-dot file in a `crt` folder), held
/// with flock. Links to one file from several outputs meet at one lock.
enum OutputLock {
    static let suffix = ".ocspd-lock"

    /// The lock's path for `output`, for messages and tests.
    static func path(for output: String) -> String {
        switch PathResolver.resolve(output) {
        case .success(let resolved): return resolved.folder.shown(SidecarName.make(for: resolved.name, suffix: suffix))
        case .failure: return output + suffix
        }
    }

    /// The lock, or nil when another ocspd holds it. Refuses an output that may not be
    /// written (an untrusted link, a device, a FIFO): nothing is done for it, not even a lock.
    static func acquire(for output: String) throws(StateError) -> StapleLock? {
        let resolved: ResolvedPath
        do {
            resolved = try AtomicFileWriter.replaceable(output)
        } catch {
            throw .output(StapleWriteError(error))
        }
        return try lock(SidecarName.make(for: resolved.name, suffix: suffix), in: resolved.folder)
    }

    /// Who owns the lock file of `output` (looked at without following a link), nil when it
    /// cannot be seen: for judging whether its holder is worth waiting for (`LockHolder`).
    static func owner(for output: String) -> uid_t? {
        guard let resolved = try? AtomicFileWriter.replaceable(output),
            case .success(let status) = resolved.folder.entry(SidecarName.make(for: resolved.name, suffix: suffix))
        else { return nil }
        return status.st_uid
    }

    /// A lock file of ocspd's own at `path` (one per state folder, say), resolved and opened
    /// with the same care as an output's: no planted link followed, nothing but a regular file
    /// locked. Nil when another ocspd holds it.
    static func acquire(lockFile path: String) throws(StateError) -> StapleLock? {
        switch PathResolver.resolve(path) {
        case .failure(let error): throw .cannotLock(path: path, reason: error.description)
        case .success(let resolved): return try lock(resolved.name, in: resolved.folder)
        }
    }

    /// The lock on `name`. A lock file the cleanup unlinked while this waited (it unlinks only
    /// while holding the lock: `RemovableLock`) is no lock: the file now at the name is locked.
    static func lock(_ name: String, in folder: SafeFolder, attempts: Int = 3) throws(StateError) -> StapleLock? {
        let shown = folder.shown(name)
        let descriptor = try open(name, in: folder, shown: shown)
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            let kind = FileKind(mode: status.st_mode)
            close(descriptor)
            throw .cannotLock(path: shown, reason: "it is \(kind), not ocspd's lock file; remove it")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw .cannotLock(path: shown, reason: SystemError(code).text)
        }
        guard case .success(let named) = folder.entry(name), named.st_dev == status.st_dev, named.st_ino == status.st_ino else {
            close(descriptor)
            guard attempts > 1 else { throw .cannotLock(path: shown, reason: "it keeps being removed while being locked") }
            return try lock(name, in: folder, attempts: attempts - 1)
        }
        return StapleLock(descriptor: descriptor)
    }

    /// Opens the lock file, creating it if needed. Read-only: flock needs no more, and a lock
    /// another user created stays usable by everyone who may read it. `O_NONBLOCK`: a FIFO
    /// planted at the name must not hang the open.
    private static func open(_ name: String, in folder: SafeFolder, shown: String) throws(StateError) -> Int32 {
        for _ in 0..<3 {
            switch folder.open(name, flags: O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK, mode: 0o640) {
            case .success(let descriptor):
                LockOwnership.settle(descriptor, in: folder)
                return descriptor
            case .failure(EEXIST): break
            case .failure(let error):
                throw .cannotLock(path: shown, reason: error.text)
            }
            switch try openExisting(name, in: folder, shown: shown) {
            case .success(let descriptor): return descriptor
            case .failure(ENOENT): continue
            case .failure(ELOOP): throw .cannotLock(path: shown, reason: "it is a symlink, which ocspd never follows there; remove it")
            case .failure(let error): throw .cannotLock(path: shown, reason: error.text)
            }
        }
        throw .cannotLock(path: shown, reason: "it keeps disappearing while being opened")
    }

    /// Opens a lock file that is already there: looked at through an `O_PATH` descriptor
    /// first, because opening a device node can have effects of its own, then that very file
    /// opened for reading.
    private static func openExisting(_ name: String, in folder: SafeFolder, shown: String) throws(StateError) -> Result<Int32, SystemError>
    {
        let handle: Int32
        switch folder.open(name, flags: O_PATH) {
        case .failure(let error): return .failure(error)
        case .success(let opened): handle = opened
        }
        defer { close(handle) }
        var status = stat()
        guard fstat(handle, &status) == 0 else { return .failure(SystemError(errno)) }
        if status.st_mode & S_IFMT == S_IFLNK { return .failure(SystemError(ELOOP)) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .cannotLock(path: shown, reason: "it is \(FileKind(mode: status.st_mode)), not ocspd's lock file; remove it")
        }
        let byName = { openat(folder.descriptor, name, ReadableReopen.flags | O_NOFOLLOW) }
        switch ReadableReopen.open(handle, checked: status, byName: byName) {
        case .failure(.system(let code)): return .failure(SystemError(code))
        case .failure(.replaced): return .failure(SystemError(ENOENT))
        case .success(let descriptor):
            LockOwnership.repair(descriptor, status: status, in: folder)
            return .success(descriptor)
        }
    }
}
