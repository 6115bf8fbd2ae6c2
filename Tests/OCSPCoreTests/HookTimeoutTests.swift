import Foundation
import Testing

@testable import OCSPCore

/// A hook is stopped at its timeout and at shutdown: its process group gets SIGTERM, then
/// SIGKILL after the grace, so nothing it forked outlives it. Timeout and grace are measured
/// on an injected clock, so these tests wait for no timeout to pass in real time.
@Suite struct HookTimeoutTests {
    /// A process that exists and is not a zombie waiting for its reaper.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        return processState(pid) != "Z"
    }

    /// The state letter of /proc/PID/stat (R, S, Z, ...), nil when there is none.
    private static func processState(_ pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first.map(String.init)
    }

    private static func pid(in path: String) -> pid_t? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// A hook that forks a `sleep 60`, writes its pid to `forked` and waits for it.
    private static func hook(forking forked: String, ignoringSIGTERM: Bool = false, timeout: TimeInterval = 30) -> Hook {
        let trap = ignoringSIGTERM ? "trap '' TERM; " : ""
        return Hook(arguments: ["/bin/sh", "-c", "\(trap)sleep 60 & echo $! > \(forked); wait"], timeout: timeout)
    }

    @Test func aHookStillRunningAtItsTimeoutIsReportedTimedOutAndItsGroupStopped() throws {
        let forked = try TestPKI.scratchFolder("hook-timeout") + "/forked.pid"
        let clock = HandMovedClock(holdsUntil: { Self.pid(in: forked) != nil })
        let started = clock.seconds()

        let result = HookRunner.run(Self.hook(forking: forked), environment: ["OCSPD_STATUS": "good"], clock: clock)

        #expect(result == .timedOut)
        #expect(clock.seconds() - started >= 30, "the timeout was not measured on the injected clock")
        let child = try #require(Self.pid(in: forked))
        #expect(eventually(5) { !Self.isAlive(child) }, "the hook's forked child (pid \(child)) outlived its timeout")
    }

    @Test func aHookRunningWhenShutdownBeginsIsStoppedAndSIGKILLedAfterTheGraceWhenItIgnoresSIGTERM() throws {
        let forked = try TestPKI.scratchFolder("hook-shutdown") + "/forked.pid"
        let clock = HandMovedClock(holdsUntil: { Self.pid(in: forked) != nil })
        let cancellation = CancellationFlag()
        clock.at(clock.seconds() + 5) { cancellation.cancel() }

        let result = HookRunner.run(
            Self.hook(forking: forked, ignoringSIGTERM: true), environment: ["OCSPD_STATUS": "good"], cancellation: cancellation,
            clock: clock)

        guard case .stoppedAtShutdown(_, let killed) = result else {
            Issue.record("the hook was not stopped at shutdown: \(result)")
            return
        }
        #expect(killed, "a hook ignoring SIGTERM needs SIGKILL after the grace")
        let child = try #require(Self.pid(in: forked))
        #expect(eventually(5) { !Self.isAlive(child) }, "the hook's forked child (pid \(child)) outlived the shutdown")
    }

    /// The guarantee swift-subprocess's teardown does not give: it stops at the leader's exit.
    @Test func stoppingAGroupWhoseLeaderDiesOnSIGTERMStillKillsWhatItForkedIgnoringSIGTERM() throws {
        let forked = try TestPKI.scratchFolder("hook-group") + "/forked.pid"
        let child = try ChildProcess(
            ["/bin/sh", "-c", "(trap '' TERM; exec sleep 60) & echo $! > \(forked); exec sleep 60"], stdout: "/dev/null",
            stderr: "/dev/null")
        #expect(eventually(10) { Self.pid(in: forked) != nil }, "the child never forked")
        let grandchild = try #require(Self.pid(in: forked))
        // The grace does not run out before the leader has died of SIGTERM (a zombie).
        let clock = HandMovedClock(holdsUntil: { Self.processState(child.pid) == "Z" })

        let killed = child.stop(grace: 2, clock: clock)

        #expect(!killed, "the leader exited on SIGTERM")
        #expect(eventually(5) { !Self.isAlive(grandchild) }, "the forked child (pid \(grandchild)) ignoring SIGTERM outlived its group")
    }
}
