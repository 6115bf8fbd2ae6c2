import Foundation

/// What a hook's `#!` lines make root start, checked by the rule the hook itself is held
/// to: a root-owned script whose line names `/home/u/bin/python` (or `/usr/bin/env NAME`,
/// which searches PATH) would otherwise run another user's file as root.
///
/// Each file on the way is read through the descriptor that was checked (`TrustedFileHead`),
/// its `#!` line as the kernel reads it (`ScriptLine`). An interpreter that is itself a
/// script is followed too, up to `maximumFollowed` files (the kernel allows 4 nested
/// interpreters). For `env NAME`, NAME is looked up as env will look it up: on the hook's
/// own PATH (`HookSearchPath`) from the working folder `/`, and the file found is checked.
/// env's options (`-S`, `-i`) and assignments (`A=B`) are refused rather than modelled.
enum HookInterpreters {
    static let maximumFollowed = 4

    /// Why root may not run `executable`, itself or through what its `#!` lines start; nil
    /// when every file on the way is root's alone.
    static func refusal(of executable: String, searchPath: HookSearchPath) -> HookExecutableError? {
        var current = executable
        // The `#!` line that named `current`: its argument is what env looks up.
        var namedBy: (argument: String?, script: String)? = nil
        var followed = 0
        while true {
            let head: (bytes: [UInt8], name: String)
            switch TrustedFileHead.read(current, count: ScriptLine.bufferSize) {
            case .failure(let reason) where current == executable: return .untrusted(path: executable, reason: reason)
            case .failure(let reason): return .untrustedInterpreter(hook: executable, interpreter: current, reason: reason)
            case .success(let read): head = read
            }
            let next: String
            switch ScriptLine.parse(head.bytes) {
            case .malformed(let problem):
                return .badScriptLine(hook: executable, script: current, problem: problem)
            case .script(let interpreter, let argument):
                next = interpreter.hasPrefix("/") ? interpreter : "/" + interpreter
                namedBy = (argument, current)
            case .notAScript:
                // A binary: the end, unless it is env started by a `#!` line (by the name in
                // the line, or the name of the file a link there leads to).
                guard let line = namedBy, isEnv(current) || head.name == "env" else { return nil }
                guard let command = plainCommand(line.argument) else {
                    return .envNotFollowed(hook: executable, script: line.script, argument: line.argument)
                }
                let candidates = ExecutableSearch.candidates(for: command, searchPath: searchPath.text, workingFolder: "/")
                guard let found = candidates.first(where: ExecutableSearch.isExecutableFile) else {
                    return .envCommandNotFound(hook: executable, script: line.script, command: command, searchPath: searchPath.text)
                }
                next = found
                namedBy = nil
            }
            followed += 1
            guard followed <= maximumFollowed else { return .tooManyInterpreters(hook: executable, limit: maximumFollowed) }
            current = next
        }
    }

    /// `env` by its name in the `#!` line.
    static func isEnv(_ path: String) -> Bool {
        path.split(separator: "/").last == "env"
    }

    /// The command `env ARGUMENT` runs, when the argument is only that: not an option, not
    /// an assignment, not missing (`#!/usr/bin/env` alone would run the script again).
    static func plainCommand(_ argument: String?) -> String? {
        guard let argument, !argument.isEmpty, !argument.hasPrefix("-"), !argument.contains("=") else { return nil }
        return argument
    }
}
