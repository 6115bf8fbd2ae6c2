import Foundation

/// Where `posix_spawnp` and `execvp` would find a command, found by ocspd itself, so that
/// the file it checks is the file it starts: the search is done once and its result, an
/// absolute path, is what gets spawned (a folder earlier on PATH cannot win later).
enum ExecutableSearch {
    /// glibc's search path when PATH is unset (`confstr(_CS_PATH)`).
    static let defaultSearchPath = "/bin:/usr/bin"

    /// The paths execvp tries for `command`, in its order, made absolute from
    /// `workingFolder`: the command itself when it holds a slash; otherwise each PATH entry
    /// with the name appended, an empty entry meaning the working folder (as glibc does).
    /// A relative candidate is left out when the working folder is unknown.
    static func candidates(for command: String, searchPath: String?, workingFolder: String?) -> [String] {
        guard !command.isEmpty else { return [] }
        if command.contains("/") { return absolute(command, from: workingFolder).map { [$0] } ?? [] }
        let entries = (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        return entries.compactMap { entry in
            let folder = entry.isEmpty ? "." : entry
            return absolute(folder.hasSuffix("/") ? folder + command : "\(folder)/\(command)", from: workingFolder)
        }
    }

    /// The first candidate that is an executable regular file: the one execvp would run.
    static func locate(_ command: String, searchPath: String? = environmentPath(), workingFolder: String? = currentFolder()) -> String? {
        candidates(for: command, searchPath: searchPath, workingFolder: workingFolder).first(where: isExecutableFile)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    static func environmentPath() -> String? {
        getenv("PATH").map { String(cString: $0) }
    }

    static func currentFolder() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func absolute(_ path: String, from workingFolder: String?) -> String? {
        if path.hasPrefix("/") { return path }
        guard let workingFolder else { return nil }
        let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return workingFolder == "/" ? "/\(relative)" : "\(workingFolder)/\(relative)"
    }
}
