import Foundation

/// Whether `FileBytes.read(path, maximum:)` would read each file a configuration names (a
/// missing or unreadable chain is reported at load), the same steps on the same descriptors,
/// with fewer system calls per file: 10,000 chains are 10,000 checks (11 calls each measured).
/// - The path is opened `O_PATH | O_NOFOLLOW`: when its last component is not a symlink, that
///   is the descriptor FileBytes' `O_PATH` open gives (the flag changes nothing else), and its
///   `fstat` answers the `lstat` the output check asks of every chain
///   (`OutputIdentityResolver`). A symlink is handed to `FileBytes.read` itself.
/// - The kernel file system is asked once per device: every file with one `st_dev` lies on one
///   mounted file system (one superblock), so on one kind of file system.
/// - Files are opened from their folder's descriptor, and reopened from a descriptor of
///   `/proc/self/fd`, each opened once (`LoadDescriptors`).
/// The type, the size, the reopening of that very descriptor (`ReadableReopen`'s steps) and
/// the read are FileBytes' own, in its order; the bytes are read by `DescriptorBytes` and not
/// kept. For one load: nothing is remembered beyond it.
struct LoadFileCheck {
    /// For each device seen: the kernel file system it is, nil when it is none.
    private var kernelFileSystems: [UInt64: String?] = [:]
    /// The folders files are opened from, and /proc/self/fd.
    private let descriptors = LoadDescriptors()

    /// Whether `check` keeps the digest of what it read (for `refresh --config` only: the
    /// other commands would pay for digests nobody reads).
    var digesting = false
    /// The digest (`VerifiedRecord.digest`) of the bytes the last `check` read, when it read
    /// the whole file at once and `digesting`; nil otherwise.
    private(set) var lastDigest: String?

    /// Why the file at `path` cannot be read (nil when it can), and whether its last component
    /// is known not to be a symlink (true), known to be one (false), or not known (nil).
    mutating func check(_ path: String, maximum: Int) -> (failure: FileReadError?, lastComponentPlain: Bool?) {
        lastDigest = nil
        let handle = descriptors.open(path, flags: O_PATH | O_CLOEXEC | O_NOFOLLOW)
        guard handle >= 0 else { return (FileReadError(errno: errno), nil) }
        var status = stat()
        guard fstat(handle, &status) == 0 else {
            let code = errno
            close(handle)
            return (FileReadError(errno: code), nil)
        }
        guard status.st_mode & S_IFMT != S_IFLNK else {
            close(handle)
            let read = FileBytes.read(path, maximum: maximum)
            if digesting, case .success(let bytes) = read { lastDigest = VerifiedRecord.digest(bytes) }
            return (Self.failure(of: read), false)
        }
        defer { close(handle) }
        return (failure(reading: handle, checked: status, path: path, maximum: maximum), true)
    }

    /// FileBytes' steps after its `O_PATH` open and `fstat`.
    private mutating func failure(reading handle: Int32, checked status: stat, path: String, maximum: Int) -> FileReadError? {
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return refusal }
        if let refusal = kernelFileSystemRefusal(handle, device: UInt64(status.st_dev)) { return refusal }
        if Int(status.st_size) > maximum { return .tooLarge(limit: maximum) }
        guard status.st_size > 0 else {
            if digesting { lastDigest = VerifiedRecord.digest([]) }
            return nil
        }
        switch descriptors.reopen(handle, checked: status, path: path) {
        case .failure(.system(let code)): return FileReadError(errno: code)
        // FileBytes' words for it.
        case .failure(.replaced): return .system(code: ESTALE, message: "it was replaced while being opened; try again")
        case .success(let descriptor):
            defer { close(descriptor) }
            return failure(reading: descriptor, size: Int(status.st_size), maximum: maximum)
        }
    }

    /// `DescriptorBytes.read` itself: the bytes are not kept, only whether they could be read
    /// (and their digest, when asked).
    private mutating func failure(reading descriptor: Int32, size: Int, maximum: Int) -> FileReadError? {
        switch DescriptorBytes.read(descriptor, size: size, maximum: maximum) {
        case .failure(let error): return error
        case .success(let bytes):
            if digesting { lastDigest = VerifiedRecord.digest(bytes) }
            return nil
        }
    }

    /// The kernel file system refusal for the device `handle` lies on, asked once per device.
    private mutating func kernelFileSystemRefusal(_ handle: Int32, device: UInt64) -> FileReadError? {
        let name: String?
        if let known = kernelFileSystems[device] {
            name = known
        } else {
            switch KernelFileSystem.name(of: handle) {
            case .failure(let error): return FileReadError(errno: error.code)
            case .success(let found): name = found
            }
            kernelFileSystems[device] = .some(name)
        }
        return name.map { .kernelFile(fileSystem: $0) }
    }

    private static func failure(of result: Result<[UInt8], FileReadError>) -> FileReadError? {
        guard case .failure(let error) = result else { return nil }
        return error
    }
}
