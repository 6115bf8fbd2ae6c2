import Foundation

/// The file a hook runs: found once, at load, as `posix_spawnp` would find it, checked, and
/// kept as an absolute path that is what gets spawned. Running as root, the file and every
/// folder and link on its path must be root's alone, at load and again just before each
/// start (the folder could have been opened to others since).
///
/// Only the executable is checked: arguments are the operator's (`[/bin/sh, /some/script]`
/// runs a script ocspd does not look at, as would `[/usr/bin/env, ...]`).
public enum HookExecutable {
    /// The absolute path `command` runs, or why it may not be run.
    static func resolve(_ command: String, euid: uid_t = geteuid(),
                               searchPath: String? = ExecutableSearch.environmentPath(),
                               workingFolder: String? = ExecutableSearch.currentFolder()) -> Result<String, HookExecutableError> {
        guard let found = ExecutableSearch.locate(command, searchPath: searchPath, workingFolder: workingFolder) else {
            return .failure(.notFound(command: command))
        }
        if let problem = recheck(found, euid: euid) { return .failure(problem) }
        return .success(found)
    }

    /// Why the file at `path` may no longer be run as root, or nil when it may.
    public static func recheck(_ path: String, euid: uid_t = geteuid()) -> HookExecutableError? {
        ConfigurationTrust.refusal(of: path, euid: euid).map { .untrusted(path: path, reason: $0) }
    }
}

public enum HookExecutableError: Error, Equatable, CustomStringConvertible {
    case notFound(command: String)
    case untrusted(path: String, reason: TrustedFileError)

    public var description: String {
        switch self {
        case .notFound(let command) where command.contains("/"):
            return "the hook command \(command) is not an executable file"
        case .notFound(let command):
            return "the hook command \(command) is not an executable file in any folder on PATH"
        case .untrusted(let path, let reason):
            return "the hook \(path) may not be run as root: \(reason)"
        }
    }
}
