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
            resolved = try StapleWriter.replaceable(output)
        } catch {
            throw .output(error)
        }
        let name = SidecarName.make(for: resolved.name, suffix: suffix)
        let shown = resolved.folder.shown(name)
        // O_NONBLOCK: a FIFO planted at the lock's name must not hang the open.
        let descriptor: Int32
        switch resolved.folder.open(name, flags: O_RDWR | O_CREAT | O_NONBLOCK, mode: 0o600) {
        case .success(let opened): descriptor = opened
        case .failure(ELOOP): throw .cannotLock(path: shown, reason: "it is a symlink, which ocspd never follows there; remove it")
        case .failure(let error): throw .cannotLock(path: shown, reason: StapleWriter.text(error.code))
        }
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
            throw .cannotLock(path: shown, reason: StapleWriter.text(code))
        }
        return StapleLock(descriptor: descriptor)
    }
}
