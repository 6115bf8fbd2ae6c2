import Foundation

/// The first bytes of a file root will run (a hook, an interpreter), read from the very
/// descriptor whose owner and mode were checked, reached through folders and links checked to
/// be root's alone: what is judged (its `#!` line) is what the kernel will read, whatever
/// is renamed in between.
enum TrustedFileHead {
    /// Up to `count` bytes from the start of `path` and the name of the file really read (the
    /// last link followed), or why root may not run it.
    static func read(_ path: String, count: Int) -> Result<(bytes: [UInt8], name: String), TrustedFileError> {
        let found: ResolvedPath
        switch ConfigurationTrust.resolve(path) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let resolved): found = resolved
        }
        guard let kind = found.kind else { return .failure(.unreadable(path: found.path, reason: .missing)) }
        if let refusal = FileReadError.refusal(for: kind) { return .failure(.unreadable(path: found.path, reason: refusal)) }
        // Looked at through O_PATH (which opens nothing), then that very file reopened to read.
        let handle: Int32
        switch found.folder.open(found.name, flags: O_PATH) {
        case .failure(let error): return .failure(.unreadable(path: found.path, reason: FileReadError(errno: error.code)))
        case .success(let opened): handle = opened
        }
        defer { close(handle) }
        var status = stat()
        guard fstat(handle, &status) == 0 else { return .failure(.unreadable(path: found.path, reason: FileReadError(errno: errno))) }
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(.unreadable(path: found.path, reason: refusal)) }
        if let problem = ConfigurationTrust.fileProblem(status, path: found.path) { return .failure(problem) }
        let descriptor: Int32
        let byName = { openat(found.folder.descriptor, found.name, ReadableReopen.flags | O_NOFOLLOW) }
        switch ReadableReopen.open(handle, checked: status, byName: byName) {
        case .failure(.system(let code)): return .failure(.unreadable(path: found.path, reason: FileReadError(errno: code)))
        case .failure(.replaced):
            return .failure(
                .unreadable(path: found.path, reason: .system(code: ESTALE, message: "it was replaced while being opened; try again")))
        case .success(let opened): descriptor = opened
        }
        defer { close(descriptor) }
        return head(of: descriptor, count: count).map { ($0, found.name) }.mapError { .unreadable(path: found.path, reason: $0) }
    }

    /// Reads until `count` bytes or the end of the file.
    private static func head(of descriptor: Int32, count: Int) -> Result<[UInt8], FileReadError> {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Foundation.read(descriptor, base + filled, count - filled)
            }
            if read < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadError(errno: errno))
            }
            if read == 0 { break }
            filled += read
        }
        return .success(Array(bytes.prefix(filled)))
    }
}
