import Foundation

// Why not swift-subprocess (1.0.2, evaluated for issue 14; details in the notes of that issue):
// its teardown sends the group signals with kill(-pid) from a task that runs beside the one
// that reaps the leader (Configuration.run reaps as soon as the pidfd fires, while the
// cancellation handler's teardown may still be between its kill(pid, 0) check and the group
// kill), so a group signal can reach a process that was given the reaped leader's number; and
// it stops the sequence as soon as the leader exits, so a forked child that ignores SIGTERM
// never gets the SIGKILL and outlives the hook. Its API is async only, and it needs Swift 6.2
// tools and swift-system. ChildProcess keeps the leader unreaped until the last group signal.

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
        let streams = SpawnStreams(stdout: stdout, stderr: stderr, workingFolder: workingFolder)
        pid = try Self.spawn(
            path, arguments: arguments, environment: environment ?? ProcessInfo.processInfo.environment, streams: streams)
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
        // ESRCH (the whole group already gone) leaves nothing to signal.
        if exitStatus == nil { _ = kill(-pid, signal) }
    }

    /// SIGTERM to the group, then SIGKILL if it has not exited within `grace` seconds on
    /// `clock`. Returns whether SIGKILL was needed. The group is killed even when the leader
    /// already exited on SIGTERM, so nothing it forked outlives it.
    ///
    /// The leader is reaped only after the last signal: while it is unreaped (running or a
    /// zombie) its pid cannot be reused, so the group signalled is always this child's, never
    /// a new process that was given the same number and leads its own group.
    @discardableResult
    public func stop(grace: TimeInterval = 3, clock: any ChildWaitClock = SystemWaitClock()) -> Bool {
        guard isRunning else { return false }
        signalGroup(SIGTERM)
        let deadline = clock.seconds() + grace
        while !hasExitedUnreaped && clock.seconds() < deadline { clock.pause(Self.stopPollInterval) }
        let killed = !hasExitedUnreaped
        signalGroup(SIGKILL)
        wait()
        return killed
    }

    /// How often `stop` looks whether the leader has exited.
    private static let stopPollInterval: TimeInterval = 0.01

    /// Whether the child has exited, leaving it unreaped (`waitid` with `WNOWAIT`). A failure
    /// (it was reaped already) counts as exited.
    private var hasExitedUnreaped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus != nil || ChildExit.hasExited(pid)
    }
}
