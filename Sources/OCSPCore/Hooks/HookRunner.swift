import Foundation

/// Runs a hook with a timeout and the environment describing the change. A hook's failure
/// is reported, never undoes the staple.
public enum HookRunner {
    public enum Result: Equatable, Sendable {
        case succeeded
        case failed(status: Int32)
        case timedOut
        case couldNotStart(String)
        /// Shutdown began while it ran: its process group got SIGTERM, and SIGKILL after
        /// `shutdownGrace` if it was still there (`killed`).
        case stoppedAtShutdown(pid: pid_t, killed: Bool)
        /// Shutdown had begun: not started, so that SIGTERM ends ocspd within seconds.
        case notStartedAtShutdown
    }

    /// How long a hook has to exit on SIGTERM at shutdown before its group gets SIGKILL.
    public static let shutdownGrace: TimeInterval = 2
    /// How long a hook past its timeout has to exit on SIGTERM before its group gets SIGKILL.
    public static let timeoutGrace: TimeInterval = 2
    /// How often a running hook is looked at (its exit, the shutdown flag, its timeout).
    static let pollInterval: TimeInterval = 0.02

    /// `cancellation`, once set, stops the hook (the daemon's shutdown): SIGTERM must end
    /// ocspd within seconds, not after a hook's whole timeout.
    ///
    /// The file started is the one found and checked at load (`Hook.executable`); running as
    /// root, its trust and that of the interpreters its `#!` lines start are checked again
    /// just before, and a file no longer root's alone is not started.
    ///
    /// The hook starts in `/` with the environment of `HookEnvironment` (its fixed PATH and
    /// `environment`, the change), not the daemon's `daemonEnvironment` wholesale.
    /// - Parameter clock: the hook's timeout and the grace after SIGTERM are measured on it.
    /// - Parameter log: where a folder left out of the hooks' PATH is reported (once each).
    public static func run(
        _ hook: Hook, environment: [String: String], cancellation: CancellationFlag? = nil,
        euid: uid_t = geteuid(), daemonEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        clock: any ChildWaitClock = SystemWaitClock(), log: (String) -> Void = { _ in }
    ) -> Result {
        guard !hook.arguments.isEmpty else { return .couldNotStart("empty command") }
        if cancellation?.isCancelled == true { return .notStartedAtShutdown }
        let child: ChildProcess
        do {
            child = try start(hook, environment: environment, euid: euid, daemonEnvironment: daemonEnvironment, log: log)
        } catch {
            return .couldNotStart(error.reason)
        }
        return waitForExit(of: child, timeout: hook.timeout, cancellation: cancellation, clock: clock)
    }

    /// Why a hook was not started, as `Result.couldNotStart` tells it.
    private struct StartRefused: Error {
        let reason: String
    }

    /// Finds (a hook made in code rather than loaded), checks again and starts the hook.
    private static func start(
        _ hook: Hook, environment: [String: String], euid: uid_t, daemonEnvironment: [String: String], log: (String) -> Void
    ) throws(StartRefused) -> ChildProcess {
        guard let executable = hook.executable ?? ExecutableSearch.locate(hook.arguments[0]) else {
            throw StartRefused(reason: HookExecutableError.notFound(command: hook.arguments[0]).description)
        }
        // One look at the system folders serves both the check (what env will find) and
        // the PATH given: only root can change a folder on it in between.
        let searchPath = HookSearchPath.current(euid: euid)
        searchPath.reportDropped(log)
        if let problem = HookExecutable.recheck(executable, euid: euid, searchPath: searchPath) {
            throw StartRefused(reason: "refused to start it: \(problem)")
        }
        let variables = HookEnvironment.variables(change: environment, searchPath: searchPath, daemon: daemonEnvironment)
        do {
            return try ChildProcess(
                hook.arguments, executable: executable, stdout: "/dev/null", stderr: "/dev/null",
                environment: variables, workingFolder: "/")
        } catch {
            throw StartRefused(reason: String(describing: error))
        }
    }

    /// Waits for the hook's exit; stops its group at shutdown or once `timeout` seconds on
    /// `clock` have passed.
    private static func waitForExit(
        of child: ChildProcess, timeout: TimeInterval, cancellation: CancellationFlag?, clock: any ChildWaitClock
    ) -> Result {
        let deadline = clock.seconds() + timeout
        while child.isRunning {
            if cancellation?.isCancelled == true {
                let killed = child.stop(grace: shutdownGrace, clock: clock)
                return .stoppedAtShutdown(pid: child.pid, killed: killed)
            }
            if clock.seconds() >= deadline {
                child.stop(grace: timeoutGrace, clock: clock)
                return .timedOut
            }
            clock.pause(pollInterval)
        }
        let status = child.wait()
        return status == 0 ? .succeeded : .failed(status: status)
    }

    /// What an operator reads about a hook that shutdown stopped or kept from starting: the
    /// staple changed, so the server may still hold the previous one.
    public static func shutdownMessage(_ result: Result, output: String, command: String) -> String {
        switch result {
        case .stoppedAtShutdown(let pid, let killed):
            let how = killed ? "SIGTERM, then SIGKILL after \(Int(shutdownGrace)) s" : "SIGTERM"
            return
                "the hook for \(output) (pid \(pid)) was stopped because ocspd is shutting down (\(how) to its process group); run it by hand if the server must pick up the new staple: \(command)"
        default:
            return
                "the hook for \(output) was not started because ocspd is shutting down; run it by hand if the server must pick up the new staple: \(command)"
        }
    }

    /// OCSPD_CHAIN, OCSPD_OUTPUT, OCSPD_TARGET, OCSPD_STATUS (good, revoked or removed) and
    /// OCSPD_EFFECTIVE_EXPIRY (RFC 3339, empty when removed).
    public static func environment(job: RefreshJob, status: String, effectiveExpiry: Date?) -> [String: String] {
        [
            "OCSPD_CHAIN": job.chainPath,
            "OCSPD_OUTPUT": job.outputPath,
            "OCSPD_TARGET": job.policy.target.rawValue,
            "OCSPD_STATUS": status,
            "OCSPD_EFFECTIVE_EXPIRY": effectiveExpiry.map(RFC3339.string) ?? "",
        ]
    }
}
