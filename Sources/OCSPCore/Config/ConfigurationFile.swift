import Foundation

/// Reads the configuration's bytes. Running as root, they come from the descriptor whose
/// owner and mode were checked, opened in the folder that was checked: renaming a folder or
/// the file between the check and the read cannot get anything else read.
enum ConfigurationFile {
    static let maximumSize = LocalFileLimit.configuration

    static func read(_ path: String, euid: uid_t = geteuid()) -> Result<[UInt8], TrustedFileError> {
        guard euid == 0 else {
            // Not held to the rule (another user's configuration is that user's business);
            // FileBytes still reads the descriptor it checked to be a regular file.
            return FileBytes.read(path, maximum: maximumSize).mapError { .unreadable(path: path, reason: $0) }
        }
        let found: ResolvedPath
        switch ConfigurationTrust.resolve(path) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let resolved): found = resolved
        }
        guard let kind = found.kind else { return .failure(.unreadable(path: path, reason: .missing)) }
        // Refused before opening: opening some devices acts.
        if let refusal = FileReadError.refusal(for: kind) { return .failure(.unreadable(path: path, reason: refusal)) }
        let descriptor: Int32
        switch found.folder.open(found.name, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY) {
        case .failure(let error): return .failure(.unreadable(path: path, reason: FileReadError(errno: error.code)))
        case .success(let opened): descriptor = opened
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(.unreadable(path: path, reason: FileReadError(errno: errno))) }
        if let refusal = FileReadError.refusal(forMode: status.st_mode) { return .failure(.unreadable(path: path, reason: refusal)) }
        if let problem = ConfigurationTrust.fileProblem(status, path: found.path) { return .failure(problem) }
        return DescriptorBytes.read(descriptor, size: Int(status.st_size), maximum: maximumSize).mapError {
            .unreadable(path: path, reason: $0)
        }
    }
}
