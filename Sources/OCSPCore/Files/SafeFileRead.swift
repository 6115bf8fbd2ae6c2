import Foundation

/// Reads a small file ocspd itself keeps (the state), through the same checks as a write: no
/// link someone else planted is followed, and only a regular file is read (`O_NONBLOCK`, so
/// a FIFO planted at the name can never hang a run).
enum SafeFileRead {
    static func read(_ path: String, maximum: Int) -> Result<[UInt8], FileReadError> {
        readWithStatus(path, maximum: maximum).map(\.bytes)
    }

    /// The bytes and the status of the descriptor they were read from (`fstat`): who owns the
    /// file read and how many names it has, not what a second look by name would find.
    static func readWithStatus(_ path: String, maximum: Int) -> Result<(bytes: [UInt8], status: stat), FileReadError> {
        let resolved: ResolvedPath
        switch PathResolver.resolve(path) {
        case .failure(.missingFolder): return .failure(.missing)
        case .failure(let error): return .failure(.system(code: EPERM, message: error.description))
        case .success(let found): resolved = found
        }
        guard let kind = resolved.kind else { return .failure(.missing) }
        if let refusal = FileReadError.refusal(for: kind) { return .failure(refusal) }
        let descriptor: Int32
        switch resolved.folder.open(resolved.name, flags: O_RDONLY | O_NONBLOCK) {
        case .failure(let error): return .failure(FileReadError(errno: error.code))
        case .success(let opened): descriptor = opened
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(refusal) }
        guard Int(status.st_size) <= maximum else { return .failure(.tooLarge(limit: maximum)) }
        var bytes: [UInt8] = []
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
        return .success((bytes, status))
    }
}
