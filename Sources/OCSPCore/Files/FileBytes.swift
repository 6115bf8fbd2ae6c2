import Foundation

/// Why a file could not be read, as an operator would check it.
public enum FileReadError: Error, Equatable, CustomStringConvertible {
    case missing
    case permissionDenied
    case isDirectory
    /// A FIFO, device, socket: reading one could block forever or never end.
    case notRegular(kind: FileKind)
    case tooLarge(limit: Int)
    /// A file of a kernel pseudo-file system (/proc, /sys...): an interface, not data.
    case kernelFile(fileSystem: String)
    case system(code: Int32, message: String)

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .permissionDenied: return "permission denied (check the file's owner, mode and ACLs for the user ocspd runs as)"
        case .isDirectory: return "it is \(FileKind.folder), not a file"
        case .notRegular(let kind): return "it is \(kind), not a regular file; ocspd reads only regular files (or symlinks to them)"
        case .tooLarge(let limit): return "larger than \(limit) bytes, which no certificate or OCSP file is"
        case .kernelFile(let fileSystem):
            return
                "it is a file of the kernel's \(fileSystem) file system, not data on a disk; ocspd does not read kernel files "
                + "(reading some, such as /proc/kmsg, takes what they hold from others)"
        case .system(let code, let message): return "\(message) (errno \(code))"
        }
    }

    init(errno code: Int32) {
        switch code {
        case ENOENT, ENOTDIR: self = .missing
        case EACCES, EPERM: self = .permissionDenied
        case EISDIR: self = .isDirectory
        default: self = .system(code: code, message: String(cString: strerror(code)))
        }
    }

    /// The refusal for a file type other than a regular file, nil for a regular file.
    static func refusal(forMode mode: mode_t) -> FileReadError? {
        refusal(for: FileKind(mode: mode))
    }

    static func refusal(for kind: FileKind) -> FileReadError? {
        switch kind {
        case .regularFile: return nil
        case .folder: return .isDirectory
        default: return .notRegular(kind: kind)
        }
    }
}

/// Reads whole small files with POSIX calls, so that errors keep their errno and size is bounded.
///
/// Every file ocspd reads as input (chains, issuers, responder certificates, configuration,
/// staples) comes through here. The path is first opened `O_PATH`, which follows links but
/// opens nothing (opening some devices acts: a watchdog arms, a tape rewinds), and the file is
/// judged on that descriptor: anything but a regular file is refused (a device could stream
/// forever, a FIFO wait forever), and so is a file of a kernel pseudo-file system. Only then is
/// that very file opened for reading, `O_NONBLOCK | O_NOCTTY` (`ReadableReopen`): a link
/// swapped meanwhile changes nothing.
public enum FileBytes {
    public static func read(_ path: String, maximum: Int) -> Result<[UInt8], FileReadError> {
        let handle = RoundLookups.current?.openFollowing(path, flags: O_PATH | O_CLOEXEC) ?? open(path, O_PATH | O_CLOEXEC)
        guard handle >= 0 else { return .failure(FileReadError(errno: errno)) }
        defer { close(handle) }
        var status = stat()
        guard fstat(handle, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
        return read(opened: handle, status: status, path: path, maximum: maximum)
    }

    /// `read`, and what `lstat` would have said of the path's last component: no symlink
    /// (true, also when nothing is there), a symlink (false), or not known (nil). The path is
    /// opened without following a last link first; a link is then read through as `read` does
    /// (one call more, for the rare output that is a link). The fresh-staple check reads the
    /// staple and then asks whether the output is a link: one `lstat` less per staple.
    public static func readNotingLink(_ path: String, maximum: Int) -> (bytes: Result<[UInt8], FileReadError>, lastComponentPlain: Bool?) {
        let flags = O_PATH | O_CLOEXEC | O_NOFOLLOW
        let handle = RoundLookups.current?.openFollowing(path, flags: flags) ?? open(path, flags)
        guard handle >= 0 else {
            let code = errno
            // Where the open finds nothing, so does `lstat`.
            return (.failure(FileReadError(errno: code)), code == ENOENT || code == ENOTDIR ? true : nil)
        }
        var status = stat()
        guard fstat(handle, &status) == 0 else {
            let code = errno
            close(handle)
            return (.failure(FileReadError(errno: code)), nil)
        }
        guard FileKind(mode: status.st_mode) != .symlink else {
            close(handle)
            return (read(path, maximum: maximum), false)
        }
        defer { close(handle) }
        return (read(opened: handle, status: status, path: path, maximum: maximum), true)
    }

    /// The steps after the `O_PATH` open and its `fstat`: judge, reopen, read.
    private static func read(opened handle: Int32, status: stat, path: String, maximum: Int) -> Result<[UInt8], FileReadError> {
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(refusal) }
        let fileSystem =
            RoundLookups.current.map { $0.kernelFileSystem(of: handle, device: status.st_dev) } ?? KernelFileSystem.name(of: handle)
        switch fileSystem {
        case .failure(let error): return .failure(FileReadError(errno: error.code))
        case .success(let kernel?): return .failure(.kernelFile(fileSystem: kernel))
        case .success(nil): break
        }
        if Int(status.st_size) > maximum { return .failure(.tooLarge(limit: maximum)) }
        // Nothing to read, and files that do not report their size are not data files.
        guard status.st_size > 0 else { return .success([]) }
        let descriptor: Int32
        switch ReadableReopen.open(handle, checked: status, byName: { openat(AT_FDCWD, path, ReadableReopen.flags) }) {
        case .failure(.system(let code)): return .failure(FileReadError(errno: code))
        case .failure(.replaced): return .failure(.system(code: ESTALE, message: "it was replaced while being opened; try again"))
        case .success(let opened): descriptor = opened
        }
        defer { close(descriptor) }
        return DescriptorBytes.read(descriptor, size: Int(status.st_size), maximum: maximum)
    }
}
