import Foundation

/// Reads a small file ocspd itself keeps (a state file, a revocation record, the counter
/// ledger), through the same checks as a write (`AtomicFileWriter`): no link someone else
/// planted is followed, and only a regular file is read (`O_NONBLOCK`, so a FIFO planted at
/// the name can never hang a run).
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
        return readWithStatus(resolved.name, in: resolved.folder, maximum: maximum)
    }

    /// The same for `name` in a folder already resolved (the state folder, resolved once):
    /// a link at the name is not followed, and is refused as one.
    static func readWithStatus(_ name: String, in folder: SafeFolder, maximum: Int) -> Result<(bytes: [UInt8], status: stat), FileReadError>
    {
        // Looked at through an O_PATH descriptor (opening a device node, even one hard-linked
        // or swapped in at the name, can act), then that very file is opened for reading.
        let handle: Int32
        switch folder.open(name, flags: O_PATH) {
        case .failure(let error): return .failure(FileReadError(errno: error.code))
        case .success(let opened): handle = opened
        }
        defer { close(handle) }
        var status = stat()
        guard fstat(handle, &status) == 0 else { return .failure(FileReadError(errno: errno)) }
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(refusal) }
        let descriptor: Int32
        let byName = { openat(folder.descriptor, name, ReadableReopen.flags | O_NOFOLLOW) }
        switch ReadableReopen.open(handle, checked: status, byName: byName) {
        case .failure(.system(let code)): return .failure(FileReadError(errno: code))
        case .failure(.replaced): return .failure(.system(code: ESTALE, message: "it was replaced while being opened; try again"))
        case .success(let opened): descriptor = opened
        }
        defer { close(descriptor) }
        return DescriptorBytes.read(descriptor, size: Int(status.st_size), maximum: maximum).map { ($0, status) }
    }
}
