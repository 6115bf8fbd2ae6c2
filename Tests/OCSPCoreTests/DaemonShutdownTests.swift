import Foundation
import Testing

@testable import OCSPCore

/// SIGTERM ends `ocspd run` within seconds even while a hook runs: the hook's process group
/// gets SIGTERM, then SIGKILL after a short grace, and the log says so.
@Suite struct DaemonShutdownTests {
    /// A process that exists and is not a zombie waiting for its reaper.
    private func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    private func pid(in path: String) -> pid_t? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func runDaemon(hookScript: String, in scenario: Scenario) throws -> RunningDaemon {
        try scenario.startResponder(minutes: 60)
        return try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                defaults:
                  hook: [/bin/sh, -c, '\(hookScript)']
                  hook-timeout: 120s
                staples:
                  - chain: \(try scenario.chainFile())
                    output: \(scenario.folder)/staple.der
                    target: nginx
                """)
    }

    @Test func sigtermStopsARunningHookAndEndsTheDaemon() throws {
        let scenario = try Scenario()
        let hookPID = "\(scenario.folder)/hook.pid"
        let daemon = try runDaemon(hookScript: "echo $$ > \(hookPID); exec sleep 60", in: scenario)

        #expect(eventually(30) { pid(in: hookPID) != nil }, "the hook never started\n\(daemon.text)")
        let hook = try #require(pid(in: hookPID))
        kill(daemon.process.pid, SIGTERM)

        #expect(eventually(10) { !daemon.process.isRunning }, "the daemon did not end within 10 s of SIGTERM\n\(daemon.text)")
        #expect(!isAlive(hook), "the hook (pid \(hook)) outlived the daemon")
        #expect(
            daemon.text.contains("(pid \(hook)) was stopped because ocspd is shutting down (SIGTERM to its process group)"),
            "\(daemon.text)")
        #expect(daemon.text.contains("ocspd stopped"), "\(daemon.text)")
    }

    @Test func aHookIgnoringSIGTERMIsKilledWithEverythingItForked() throws {
        let scenario = try Scenario()
        let hookPID = "\(scenario.folder)/hook.pid"
        let childPID = "\(scenario.folder)/child.pid"
        // SIGTERM ignored by the shell and, inherited, by the sleep it forks.
        let script = "trap \"\" TERM; echo $$ > \(hookPID); sleep 60 & echo $! > \(childPID); wait"
        let daemon = try runDaemon(hookScript: script, in: scenario)

        #expect(eventually(30) { pid(in: childPID) != nil }, "the hook never started\n\(daemon.text)")
        let hook = try #require(pid(in: hookPID))
        let child = try #require(pid(in: childPID))
        kill(daemon.process.pid, SIGTERM)

        #expect(eventually(10) { !daemon.process.isRunning }, "the daemon did not end within 10 s of SIGTERM\n\(daemon.text)")
        #expect(
            !isAlive(hook) && eventually(2) { !isAlive(child) }, "the hook (pid \(hook)) or its child (pid \(child)) outlived the daemon")
        #expect(
            daemon.text.contains(
                "(pid \(hook)) was stopped because ocspd is shutting down (SIGTERM, then SIGKILL after 2 s to its process group)"),
            "\(daemon.text)")
    }
}
