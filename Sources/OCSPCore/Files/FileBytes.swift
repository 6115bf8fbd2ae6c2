import Foundation

/// Why a file could not be read, as an operator would check it.
public enum FileReadError: Error, Equatable, CustomStringConvertible {
    case missing
    case permissionDenied
    case isDirectory
    /// A FIFO, device, socket: reading one could block forever or never end.
    case notRegular(kind: FileKind)
    case tooLarge(limit: Int)
    case system(code: Int32, message: String)

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .permissionDenied: return "permission denied (check the file's owner, mode and ACLs for the user ocspd runs as)"
        case .isDirectory: return "it is \(FileKind.folder), not a file"
        case .notRegular(let kind): return "it is \(kind), not a regular file; ocspd reads only regular files (or symlinks to them)"
        case .tooLarge(let limit): return "larger than \(limit) bytes, which no certificate or OCSP file is"
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
/// staples, state) comes through here. The open is non-blocking, so a FIFO without a writer
/// cannot hold it (opening one for reading blocks otherwise), and anything but a regular file
/// is refused by `fstat` on the opened descriptor, before the first read: a device could
/// stream forever, a FIFO wait forever. Symlinks to regular files are followed.
public enum FileBytes {
    public static func read(_ path: String, maximum: Int) -> Result<[UInt8], FileReadError> {
        // Checked before opening too: opening some devices acts (a watchdog arms, a tape
        // rewinds). The check on the open descriptor below is the one a swap cannot dodge.
        var before = stat()
        if stat(path, &before) == 0, let refusal = FileReadError.refusal(forMode: before.st_mode) { return .failure(refusal) }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(FileReadError(errno: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(refusal) }
        if Int(status.st_size) > maximum { return .failure(.tooLarge(limit: maximum)) }
        var bytes: [UInt8] = []
        // Sized from the file: thousands of small files are read per run. Files that report
        // no size (/proc) are read in pages.
        var chunk = [UInt8](repeating: 0, count: min(65536, max(4096, Int(status.st_size) + 1)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadError(errno: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk.prefix(count))
            if bytes.count > maximum { return .failure(.tooLarge(limit: maximum)) }
        }
        return .success(bytes)
    }
}
