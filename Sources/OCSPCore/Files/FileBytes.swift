import Foundation

/// Why a file could not be read, as an operator would check it.
public enum FileReadError: Error, Equatable, CustomStringConvertible {
    case missing
    case permissionDenied
    case isDirectory
    case tooLarge(limit: Int)
    case system(code: Int32, message: String)

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .permissionDenied: return "permission denied (check the file's owner, mode and ACLs for the user ocspd runs as)"
        case .isDirectory: return "it is a directory, not a file"
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
}

/// Reads whole small files with POSIX calls, so that errors keep their errno and size is bounded.
public enum FileBytes {
    public static func read(_ path: String, maximum: Int) -> Result<[UInt8], FileReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(FileReadError(errno: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
        if status.st_mode & S_IFMT == S_IFDIR { return .failure(.isDirectory) }
        if Int(status.st_size) > maximum { return .failure(.tooLarge(limit: maximum)) }
        var bytes: [UInt8] = []
        // Sized from the file: thousands of small files are read per run. Files that report
        // no size (/proc, pipes) are read in pages.
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
