import Foundation

/// A child process started with posix_spawn and reaped with waitpid on its own PID.
/// (Foundation's Process can miss a child's exit when many run at once and hang in
/// waitUntilExit.) Each child leads its own process group, so stopping it also stops
/// anything it forked.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32? = nil

    /// Starts `executable` with `arguments` as its argument vector, stdin from /dev/null and
    /// stdout and stderr appended to the given files. Without `executable`, `arguments[0]` is
    /// searched on PATH first, as `posix_spawnp` would; either way the start itself is
    /// `posix_spawn` of one absolute path, so what runs is what the caller found (and checked).
    ///
    /// - Parameter workingFolder: where the child starts (`posix_spawn_file_actions_addchdir_np`);
    ///   nil: ocspd's own working folder.
    public init(
        _ arguments: [String], executable: String? = nil, stdout: String, stderr: String, environment: [String: String]? = nil,
        workingFolder: String? = nil
    ) throws {
        guard let command = arguments.first else { throw SpawnFailed(command: "", code: EINVAL) }
        guard let path = executable ?? ExecutableSearch.locate(command) else { throw SpawnFailed(command: command, code: ENOENT) }
        var actions = posix_spawn_file_actions_t()
        try Self.check(posix_spawn_file_actions_init(&actions), command: path)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try Self.check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), command: path)
        try Self.check(posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644), command: path)
        try Self.check(posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644), command: path)
        if let workingFolder {
            // After the opens above, so that relative stdout and stderr paths stay ocspd's.
            try Self.check(SpawnWorkingFolder.add(&actions, workingFolder), command: path)
        }

        var attributes = posix_spawnattr_t()
        try Self.check(posix_spawnattr_init(&attributes), command: path)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        try Self.check(posix_spawnattr_setsigdefault(&attributes, &defaultSignals), command: path)
        try Self.check(posix_spawnattr_setsigmask(&attributes, &noSignals), command: path)
        try Self.check(posix_spawnattr_setpgroup(&attributes, 0), command: path)
        try Self.check(
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP)),
            command: path)

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in env { free(entry) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, path, &actions, &attributes, argv, env)
        guard code == 0 else { throw SpawnFailed(command: path, code: code) }
        pid = child
    }

    /// The posix_spawn family returns an errno instead of setting it.
    private static func check(_ code: Int32, command: String) throws {
        guard code == 0 else { throw SpawnFailed(command: command, code: code) }
    }

    /// Waits for the child's exit and returns its status (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let result = Self.decode(status)
        exitStatus = result
        return result
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            exitStatus = Self.decode(status)
            return false
        }
        return true
    }

    /// A wait status as a shell shows it: the exit code, or 128 + the signal that killed it.
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    public func signal(_ signal: Int32) {
        signalGroup(signal)
    }

    /// Signals the child's process group while the leader is still unreaped (running or a
    /// zombie), under the lock so no other thread reaps it in between: an unreaped leader
    /// keeps its pid, so the number cannot belong to anyone else yet.
    private func signalGroup(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil { kill(-pid, signal) }
    }

    /// SIGTERM to the group, then SIGKILL if it has not exited within `grace` seconds.
    /// Returns whether SIGKILL was needed. The group is killed even when the leader already
    /// exited on SIGTERM, so nothing it forked outlives it.
    ///
    /// The leader is reaped only after the last signal: while it is unreaped (running or a
    /// zombie) its pid cannot be reused, so the group signalled is always this child's, never
    /// a new process that was given the same number and leads its own group.
    @discardableResult
    public func stop(grace: TimeInterval = 3) -> Bool {
        guard isRunning else { return false }
        signalGroup(SIGTERM)
        let deadline = MonotonicClock.seconds() + grace
        while !hasExitedUnreaped && MonotonicClock.seconds() < deadline { usleep(10_000) }
        let killed = !hasExitedUnreaped
        signalGroup(SIGKILL)
        wait()
        return killed
    }

    /// Whether the child has exited, leaving it unreaped (`waitid` with `WNOWAIT`). A failure
    /// (it was reaped already) counts as exited.
    private var hasExitedUnreaped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus != nil || ChildExit.hasExited(pid)
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
