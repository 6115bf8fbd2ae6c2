import Foundation

/// The file a hook runs: found once, at load, as `posix_spawnp` would find it, checked, and
/// kept as an absolute path that is what gets spawned. Running as root, the file and every
/// folder and link on its path must be root's alone, at load and again just before each
/// start (the folder could have been opened to others since); so must every interpreter its
/// `#!` line starts, and what `#!/usr/bin/env NAME` finds on the hook's PATH
/// (`HookInterpreters`).
///
/// Arguments are the operator's: `[/bin/sh, /some/script]` runs a script ocspd does not
/// look at (name the script itself as the command to have it checked).
public enum HookExecutable {
    /// The absolute path `command` runs, or why it may not be run.
    static func resolve(
        _ command: String, euid: uid_t = geteuid(),
        searchPath: String? = ExecutableSearch.environmentPath(),
        workingFolder: String? = ExecutableSearch.currentFolder(),
        hookSearchPath: HookSearchPath? = nil
    ) -> Result<String, HookExecutableError> {
        guard let found = ExecutableSearch.locate(command, searchPath: searchPath, workingFolder: workingFolder) else {
            return .failure(.notFound(command: command))
        }
        if let problem = recheck(found, euid: euid, searchPath: hookSearchPath) { return .failure(problem) }
        return .success(found)
    }

    /// Why the file at `path` may no longer be run as root, or nil when it may.
    public static func recheck(_ path: String, euid: uid_t = geteuid()) -> HookExecutableError? {
        recheck(path, euid: euid, searchPath: nil)
    }

    /// - Parameter searchPath: the PATH the hook will be given (nil: as it stands now).
    static func recheck(_ path: String, euid: uid_t, searchPath: HookSearchPath?) -> HookExecutableError? {
        guard euid == 0 else { return nil }
        return HookInterpreters.refusal(of: path, searchPath: searchPath ?? HookSearchPath.current(euid: euid))
    }
}

public enum HookExecutableError: Error, Equatable, CustomStringConvertible {
    case notFound(command: String)
    case untrusted(path: String, reason: TrustedFileError)
    /// An interpreter a `#!` line starts (or the file env finds) someone else could change.
    case untrustedInterpreter(hook: String, interpreter: String, reason: TrustedFileError)
    /// A `#!` line the kernel would refuse, or ocspd cannot name.
    case badScriptLine(hook: String, script: String, problem: String)
    /// `#!/usr/bin/env` with no command, an option or an assignment.
    case envNotFollowed(hook: String, script: String, argument: String?)
    case envCommandNotFound(hook: String, script: String, command: String, searchPath: String)
    case tooManyInterpreters(hook: String, limit: Int)

    public var description: String {
        switch self {
        case .notFound(let command) where command.contains("/"):
            return "the hook command \(command) is not an executable file"
        case .notFound(let command):
            return "the hook command \(command) is not an executable file in any folder on PATH"
        case .untrusted(let path, let reason):
            return "the hook \(path) may not be run as root: \(reason)"
        case .untrustedInterpreter(let hook, let interpreter, let reason):
            return "the hook \(hook) may not be run as root: its #! line starts \(interpreter), which root may not run: \(reason)"
        case .badScriptLine(let hook, let script, let problem) where hook == script:
            return "the hook \(hook) cannot be run: \(problem)"
        case .badScriptLine(let hook, let script, let problem):
            return "the hook \(hook) cannot be run: its interpreter \(script): \(problem)"
        case .envNotFollowed(let hook, let script, let argument):
            let what = argument.map { "env with '\($0)'" } ?? "env with no command"
            return
                "the hook \(hook) may not be run as root: the #! line of \(script) runs \(what); ocspd checks what env starts only for a plain command name (no options such as -S, no NAME=VALUE): name the interpreter's absolute path in the #! line"
        case .envCommandNotFound(let hook, let script, let command, let searchPath):
            return
                "the hook \(hook) cannot be run: the #! line of \(script) runs env \(command), and \(command) is not an executable file in any folder of the PATH hooks run with (\(searchPath.isEmpty ? "none left" : searchPath)); name the interpreter's absolute path in the #! line"
        case .tooManyInterpreters(let hook, let limit):
            return "the hook \(hook) may not be run as root: its #! lines lead through more than \(limit) interpreters (a loop?)"
        }
    }
}
