import Foundation

/// An open folder (`O_PATH | O_DIRECTORY`) that names are looked up, created, renamed and
/// removed in. Working through the folder's descriptor instead of a path string means no one
/// can swap a folder or a link on the way between a check and the action it allowed.
public final class SafeFolder: @unchecked Sendable {
    /// Immutable after init; closed once, in deinit.
    let descriptor: Int32
    /// The folder's own status, taken from the descriptor when it was opened.
    let status: stat
    /// The path this folder was reached by, for messages.
    public let path: String

    private init(descriptor: Int32, status: stat, path: String) {
        self.descriptor = descriptor
        self.status = status
        self.path = path
    }

    deinit { close(descriptor) }

    /// `/`, or the working folder: where a path is resolved from.
    static func start(absolute: Bool) -> Result<SafeFolder, SystemError> {
        let path = absolute ? "/" : "."
        let descriptor = Glibc.open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(SystemError(errno)) }
        return adopt(descriptor, path: path)
    }

    /// The sub-folder `name`, never through a link (the caller decides about links).
    func folder(_ name: String, shownAs path: String) -> Result<SafeFolder, SystemError> {
        let descriptor = openat(self.descriptor, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(SystemError(errno)) }
        return Self.adopt(descriptor, path: path)
    }

    private static func adopt(_ descriptor: Int32, path: String) -> Result<SafeFolder, SystemError> {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            return .failure(SystemError(code))
        }
        return .success(SafeFolder(descriptor: descriptor, status: status, path: path))
    }

    /// What `name` is, without following a link; nil with errno when it cannot be looked at.
    func entry(_ name: String) -> Result<stat, SystemError> {
        var status = stat()
        guard fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return .failure(SystemError(errno)) }
        return .success(status)
    }

    /// The link `name` points to, read through a descriptor of the link itself, so the text
    /// read belongs to the link whose owner was checked.
    func link(_ name: String) -> Result<(status: stat, target: String), SystemError> {
        let descriptor = openat(self.descriptor, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(SystemError(errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(SystemError(errno)) }
        guard status.st_mode & S_IFMT == S_IFLNK else { return .failure(SystemError(EAGAIN)) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlinkat(descriptor, "", &buffer, buffer.count - 1)
        guard length > 0 else { return .failure(SystemError(length == 0 ? ENOENT : errno)) }
        // A target that is not UTF-8 is not followed: decoded with replacement, it would name
        // another file (and a write would create it).
        guard let target = ByteText.utf8(buffer.prefix(length).map { UInt8(bitPattern: $0) }) else { return .failure(SystemError(EILSEQ)) }
        return .success((status, target))
    }

    /// Opens `name` in this folder, never through a link at the last step.
    func open(_ name: String, flags: Int32, mode: mode_t = 0o600) -> Result<Int32, SystemError> {
        let descriptor = openat(self.descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        return descriptor >= 0 ? .success(descriptor) : .failure(SystemError(errno))
    }

    func rename(_ from: String, to: String) -> Int32? {
        renameat(descriptor, from, descriptor, to) == 0 ? nil : errno
    }

    func unlink(_ name: String) -> Int32? {
        unlinkat(descriptor, name, 0) == 0 ? nil : errno
    }

    /// Makes renames and removals in this folder survive a crash. An `O_PATH` descriptor
    /// cannot be fsynced, so the folder is opened again, through this descriptor.
    func sync() {
        let readable = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { return }
        fsync(readable)
        close(readable)
    }

    /// `path/name`, for messages.
    func shown(_ name: String) -> String {
        path == "/" ? "/\(name)" : path == "." ? name : "\(path)/\(name)"
    }
}

/// `O_PATH`, which Glibc declares only under `_GNU_SOURCE`: the value of Linux's
/// asm-generic fcntl.h, shared by x86_64 and aarch64.
// swift-format-ignore: AlwaysUseLowerCamelCase
// The C name, so that calls read as the system calls they are.
let O_PATH: Int32 = 0o10000000

/// An errno from a system call, as a typed error.
struct SystemError: Error, Equatable {
    let code: Int32

    init(_ code: Int32) {
        self.code = code
    }

    /// As operators read it: `No space left on device (errno 28)`.
    var text: String { "\(String(cString: strerror(code))) (errno \(code))" }

    /// Lets `case .failure(ENOENT)` match.
    static func ~= (code: Int32, error: SystemError) -> Bool { code == error.code }
}
