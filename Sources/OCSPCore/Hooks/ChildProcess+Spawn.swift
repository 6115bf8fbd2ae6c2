import Foundation

/// Where a child's standard streams go and where it starts.
struct SpawnStreams {
    /// Files stdout and stderr are appended to (created 0644 when missing); stdin is /dev/null.
    var stdout: String
    var stderr: String
    /// nil: ocspd's own working folder.
    var workingFolder: String?
}

extension ChildProcess {
    /// `posix_spawn` of the absolute `path`, leading a process group of its own, with every
    /// signal at its default and none blocked (ocspd ignores or blocks some, and a hook must
    /// die on the SIGTERM it is sent). Returns the child's pid.
    static func spawn(_ path: String, arguments: [String], environment: [String: String], streams: SpawnStreams) throws -> pid_t {
        try withFileActions(streams, command: path) { actions in
            try withAttributes(command: path) { attributes in
                let argv = arguments.map { strdup($0) } + [nil]
                defer { for argument in argv { free(argument) } }
                let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                defer { for entry in env { free(entry) } }
                var child: pid_t = 0
                try check(posix_spawn(&child, path, &actions, &attributes, argv, env), command: path)
                return child
            }
        }
    }

    /// stdin from /dev/null, stdout and stderr appended to their files, then the start folder.
    private static func withFileActions<T>(
        _ streams: SpawnStreams, command: String, _ body: (inout posix_spawn_file_actions_t) throws -> T
    ) throws -> T {
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions), command: command)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let appended = O_WRONLY | O_CREAT | O_APPEND
        try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), command: command)
        try check(posix_spawn_file_actions_addopen(&actions, 1, streams.stdout, appended, 0o644), command: command)
        try check(posix_spawn_file_actions_addopen(&actions, 2, streams.stderr, appended, 0o644), command: command)
        if let folder = streams.workingFolder {
            // After the opens above, so that relative stdout and stderr paths stay ocspd's.
            try check(SpawnWorkingFolder.add(&actions, folder), command: command)
        }
        return try body(&actions)
    }

    /// Its own process group (pgid = its pid), every signal at its default, an empty mask.
    private static func withAttributes<T>(command: String, _ body: (inout posix_spawnattr_t) throws -> T) throws -> T {
        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes), command: command)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        var noSignals = sigset_t()
        // They fail only on an invalid pointer; checked all the same.
        guard sigfillset(&defaultSignals) == 0, sigemptyset(&noSignals) == 0 else { throw SpawnFailed(command: command, code: EINVAL) }
        try check(posix_spawnattr_setsigdefault(&attributes, &defaultSignals), command: command)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), command: command)
        try check(posix_spawnattr_setpgroup(&attributes, 0), command: command)
        let flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP)
        try check(posix_spawnattr_setflags(&attributes, flags), command: command)
        return try body(&attributes)
    }

    /// The posix_spawn family returns an errno instead of setting it.
    private static func check(_ code: Int32, command: String) throws {
        guard code == 0 else { throw SpawnFailed(command: command, code: code) }
    }
}

public struct SpawnFailed: Error, CustomStringConvertible {
    public let command: String
    public let code: Int32

    public init(command: String, code: Int32) {
        self.command = command
        self.code = code
    }

    public var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
}
