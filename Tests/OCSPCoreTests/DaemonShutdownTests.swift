import Foundation
import Testing
@testable import OCSPCore

/// SIGTERM ends `ocspd run` within seconds even while a hook runs: the hook's process group
/// gets SIGTERM, then SIGKILL after a short grace, and the log says so.
@Suite struct DaemonShutdownTests {
    private func eventually(_ seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    /// A process that exists and is not a zombie waiting for its reaper.
    private func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    private func pid(in path: String) -> pid_t? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func runDaemon(hookScript: String, in scenario: Scenario) throws -> (ChildProcess, log: String) {
        try scenario.startResponder(minutes: 60)
        let chain = try scenario.chainFile()
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
            state-dir: \(scenario.stateDirectory)
            defaults:
              hook: [/bin/sh, -c, '\(hookScript)']
              hook-timeout: 120s
            staples:
              - chain: \(chain)
                output: \(scenario.folder)/staple.der
                target: nginx
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let log = "\(scenario.folder)/daemon.log"
        let daemon = try ChildProcess([OCSPDBinary.path, "run", "--config", config, "--verbose"], stdout: log, stderr: log)
        return (daemon, log)
    }

    @Test func sigtermStopsARunningHookAndEndsTheDaemon() throws {
        let scenario = try Scenario()
        let hookPID = "\(scenario.folder)/hook.pid"
        let (daemon, log) = try runDaemon(hookScript: "echo $$ > \(hookPID); exec sleep 60", in: scenario)
        defer { daemon.stop() }
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        #expect(eventually(30) { pid(in: hookPID) != nil }, "the hook never started\n\(text())")
        let hook = try #require(pid(in: hookPID))
        kill(daemon.pid, SIGTERM)

        #expect(eventually(10) { !daemon.isRunning }, "the daemon did not end within 10 s of SIGTERM\n\(text())")
        #expect(!isAlive(hook), "the hook (pid \(hook)) outlived the daemon")
        #expect(text().contains("(pid \(hook)) was stopped because ocspd is shutting down (SIGTERM to its process group)"), "\(text())")
        #expect(text().contains("ocspd stopped"), "\(text())")
    }

    @Test func aHookIgnoringSIGTERMIsKilledWithEverythingItForked() throws {
        let scenario = try Scenario()
        let hookPID = "\(scenario.folder)/hook.pid", childPID = "\(scenario.folder)/child.pid"
        // SIGTERM ignored by the shell and, inherited, by the sleep it forks.
        let script = "trap \"\" TERM; echo $$ > \(hookPID); sleep 60 & echo $! > \(childPID); wait"
        let (daemon, log) = try runDaemon(hookScript: script, in: scenario)
        defer { daemon.stop() }
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        #expect(eventually(30) { pid(in: childPID) != nil }, "the hook never started\n\(text())")
        let hook = try #require(pid(in: hookPID)), child = try #require(pid(in: childPID))
        kill(daemon.pid, SIGTERM)

        #expect(eventually(10) { !daemon.isRunning }, "the daemon did not end within 10 s of SIGTERM\n\(text())")
        #expect(!isAlive(hook) && eventually(2) { !isAlive(child) }, "the hook (pid \(hook)) or its child (pid \(child)) outlived the daemon")
        #expect(text().contains("(pid \(hook)) was stopped because ocspd is shutting down (SIGTERM, then SIGKILL after 2 s to its process group)"), "\(text())")
    }
}
