import Foundation
import Logging
import Synchronization
import Testing

@testable import OCSPCore

/// `on-failure` against a real `openssl ocsp` responder that is down, then up: `failing`
/// once after three failed refreshes, `recovered` after the next success, at most one
/// `failing` per staple per `failure-hook-interval` (on an injected clock), one coalesced run
/// for many staples behind one dead responder, a cap on runs per round, and a hook that
/// hangs stopped at its timeout without touching the staple.
@Suite struct OnFailureHookTests {
    let scenario: Scenario
    let log: String

    init() throws {
        scenario = try Scenario()
        log = "\(scenario.folder)/on-failure.log"
    }

    /// A wall clock a test sets.
    final class SetClock: Sendable {
        private let moment: Mutex<Date>
        init(_ start: Date) { moment = Mutex(start) }
        var read: @Sendable () -> Date { { self.moment.withLock { $0 } } }
        func set(_ date: Date) { moment.withLock { $0 = date } }
    }

    /// Appends "EVENT REASON STAPLES URL" to `log`, one run a line.
    var hook: Hook {
        Hook(arguments: ["/bin/sh", "-c", #"echo "$OCSPD_EVENT $OCSPD_REASON $OCSPD_EVENT_STAPLES $OCSPD_URL" >> "# + log])
    }

    var runs: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func job(chain: String, threshold: Int = 3, output: String? = nil) -> RefreshJob {
        var job = RefreshJob(chainPath: chain, outputPath: output ?? scenario.output, policy: TargetPolicy(target: .nginx))
        job.followsSchedule = true
        job.events.onFailure = hook
        job.events.failure = FailureEvents.Settings(threshold: threshold, interval: 3600)
        return job
    }

    func refresher(_ clock: SetClock, log captured: CapturedLog? = nil) -> Refresher {
        Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory), now: clock.read,
            logger: captured?.logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// One daemon round: the refresh, then the round's events.
    func round(_ job: RefreshJob, _ refresher: Refresher) -> RefreshOutcome {
        let outcome = refresher.refresh(job)
        refresher.deliverEvents(cap: EventDispatch.defaultRunsPerRound)
        return outcome
    }

    @Test func aDeadResponderIsFailingOnceAfterThreeFailuresAndRecoveredAfterTheNextSuccess() throws {
        let now = Date()
        let clock = SetClock(now.addingTimeInterval(-5 * 3600))
        let refresher = refresher(clock)
        let job = job(chain: try scenario.chainFile())

        _ = round(job, refresher)
        clock.set(now.addingTimeInterval(-3 * 3600))
        _ = round(job, refresher)
        #expect(runs.isEmpty, "failing before the third failure: \(runs)")
        clock.set(now.addingTimeInterval(-1 * 3600))
        _ = round(job, refresher)
        #expect(runs == ["failing consecutive-failures 1 \(scenario.url)"])
        clock.set(now.addingTimeInterval(-1800))
        _ = round(job, refresher)
        #expect(runs.count == 1, "failing raised again while still failing: \(runs)")

        try scenario.startResponder()
        clock.set(Date().addingTimeInterval(60))
        #expect(round(job, refresher).exitCode == ExitStatus.stapled)
        #expect(runs.last == "recovered consecutive-failures 1 \(scenario.url)" && runs.count == 2, "\(runs)")
        clock.set(Date().addingTimeInterval(120))
        _ = round(job, refresher)
        #expect(runs.count == 2, "an event without a change: \(runs)")
    }

    @Test func failingIsRaisedAtMostOncePerStaplePerHour() throws {
        try scenario.startResponder(minutes: 600)
        let now = Date()
        let clock = SetClock(now)
        let refresher = refresher(clock)
        var job = job(chain: try scenario.chainFile(), threshold: 1)
        job.force = true
        _ = round(job, refresher)
        scenario.stopResponders()

        clock.set(now.addingTimeInterval(5 * 60))
        _ = round(job, refresher)
        #expect(runs.count == 1 && runs[0].hasPrefix("failing"), "\(runs)")
        try scenario.startResponder(minutes: 600)
        clock.set(now.addingTimeInterval(10 * 60))
        _ = round(job, refresher)
        #expect(runs.count == 2 && runs[1].hasPrefix("recovered"), "\(runs)")
        scenario.stopResponders()
        clock.set(now.addingTimeInterval(20 * 60))
        _ = round(job, refresher)
        #expect(runs.count == 2, "a second failing within the hour: \(runs)")
        clock.set(now.addingTimeInterval(70 * 60))
        _ = round(job, refresher)
        #expect(runs.count == 3 && runs[2].hasPrefix("failing"), "no failing an hour after the last one: \(runs)")
    }

    @Test func fiftyStaplesBehindOneDeadResponderStartOneHookRunSayingFifty() throws {
        let chain = try scenario.chainFile()
        let staples = (0..<50).map { "  - chain: \(chain)\n    output: \(scenario.folder)/out-\($0).ocsp" }.joined(separator: "\n")
        let listed = "\(scenario.folder)/listed"
        let configuration = try ConfigurationLoader.parse(
            """
            state-dir: \(scenario.stateDirectory)
            defaults:
              target: nginx
              failure-threshold: 1
              on-failure: [/bin/sh, -c, 'echo "$OCSPD_EVENT $OCSPD_REASON $OCSPD_EVENT_STAPLES $OCSPD_URL" >> \(log); printf "%s\\n" "$OCSPD_OUTPUTS" > \(listed)']
            staples:
            \(staples)
            """, path: "\(scenario.folder)/ocspd.yaml")

        let code = BatchRefresh.run(configuration, refresher: refresher(SetClock(Date())))

        #expect(code == ExitStatus.noValidStaple)
        #expect(runs == ["failing consecutive-failures 50 \(scenario.url)"])
        let outputs = try String(contentsOfFile: listed, encoding: .utf8).split(separator: "\n")
        #expect(outputs.count == 50 && outputs.contains("\(scenario.folder)/out-49.ocsp"[...]))
        let store = StateStore(directory: scenario.stateDirectory)
        #expect((0..<50).allSatisfy { store.load(for: "\(scenario.folder)/out-\($0).ocsp").alert?.failing == .consecutiveFailures })
    }

    @Test func aHookThatHangsIsStoppedAtItsTimeoutAndTheStapleStays() throws {
        try scenario.startResponder()
        let clock = SetClock(Date())
        let captured = CapturedLog()
        let refresher = refresher(clock, log: captured)
        var job = job(chain: try scenario.chainFile(), threshold: 1)
        let pidFile = "\(scenario.folder)/hook.pid"
        job.events.onFailure = Hook(arguments: ["/bin/sh", "-c", "echo $$ > \(pidFile); exec sleep 60"], timeout: 1)
        #expect(refresher.refresh(job).exitCode == ExitStatus.stapled)
        let staple = try #require(scenario.stapleBytes)
        scenario.stopResponders()
        job.force = true

        #expect(round(job, refresher).exitCode == ExitStatus.staleButValid)

        #expect(captured.text.contains("did not finish within 1 s and was stopped"), "\(captured.text)")
        let pid = try #require(
            pid_t((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(eventually(5) { kill(pid, 0) != 0 || Self.isZombie(pid) }, "the hook (pid \(pid)) outlived its timeout")
        #expect(scenario.stapleBytes == staple, "the staple changed")
        let state = StateStore(directory: scenario.stateDirectory).load(for: scenario.output)
        #expect(state.alert?.failing == .consecutiveFailures, "a hook stopped at its timeout counts as delivered")
    }

    private static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return true
        }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func anEventWhoseHookCouldNotStartIsNotDeliveredAndIsRaisedAgainAtTheNextRefresh() throws {
        let clock = SetClock(Date())
        let captured = CapturedLog()
        let refresher = refresher(clock, log: captured)
        var job = job(chain: try scenario.chainFile(), threshold: 1)
        job.events.onFailure = Hook(arguments: ["\(scenario.folder)/no-such-hook"])
        job.force = true

        _ = round(job, refresher)
        #expect(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).alert == nil)
        clock.set(Date().addingTimeInterval(600))
        _ = round(job, refresher)

        #expect(captured.text.components(separatedBy: "could not start").count - 1 == 2, "\(captured.text)")
        #expect(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).alert == nil)
    }

    @Test func runsPastTheRoundsCapAreNotStartedAndNotDelivered() throws {
        let round = RoundEvents()
        let notices: [(String, Int)] = [("http://a.example", 3), ("http://b.example", 1), ("http://c.example", 2)]
        for (url, count) in notices {
            for index in 0..<count {
                round.add(
                    EventNotice(
                        event: .init(.failing, .consecutiveFailures), hook: hook,
                        output: "\(scenario.folder)/\(index)-\(url.suffix(9)).ocsp",
                        chain: "", url: url, failures: 3, expiry: nil))
            }
        }
        let store = StateStore(directory: scenario.stateDirectory)
        try store.prepare(forOutput: scenario.output)
        var started: [String] = []

        let runs = EventDispatch.dispatch(
            round, cap: 2, stateStore: store, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), at: Date()
        ) { _, environment in
            started.append("\(environment["OCSPD_URL"] ?? "") \(environment["OCSPD_EVENT_STAPLES"] ?? "")")
            return .succeeded
        }

        #expect(started == ["http://a.example 3", "http://c.example 2"], "the largest groups first, two at most")
        #expect(runs.count == 2)
        #expect(store.load(for: "\(scenario.folder)/0-b.example.ocsp").alert == nil, "an event not run was recorded as delivered")
        #expect(store.load(for: "\(scenario.folder)/0-a.example.ocsp").alert?.failing == .consecutiveFailures)
    }

    @Test func theNewKeysAreReadFromDefaultsAndCheckedLikeHook() throws {
        let chain = try scenario.chainFile()
        let configuration = try ConfigurationLoader.parse(
            """
            failure-hooks-per-round: 4
            defaults:
              on-failure: [/bin/sh, -c, 'true']
              on-revoked: [/bin/sh, -c, 'true']
              hook-timeout: 7s
              failure-threshold: 5
              failure-hook-interval: 2h
            staples:
              - chain: \(chain)
                output: \(scenario.output)
            """, path: "\(scenario.folder)/ocspd.yaml")
        let job = try #require(configuration.staples.first)
        #expect(configuration.failureHooksPerRound == 4)
        #expect(job.events.onFailure?.arguments == ["/bin/sh", "-c", "true"] && job.events.onFailure?.timeout == 7)
        #expect(job.events.onRevoked?.executable != nil && job.events.onRevoked?.timeout == 7)
        #expect(job.events.failure == FailureEvents.Settings(threshold: 5, interval: 7200))

        do {
            _ = try ConfigurationLoader.parse(
                """
                failure-hooks-per-round: 0
                staples:
                  - chain: \(chain)
                    output: \(scenario.output)
                    on-failure: "/bin/sh -c true"
                    on-revoked: [/nonexistent/ocspd-hook]
                    failure-threshold: 0
                    failure-hook-interval: soon
                """, path: "\(scenario.folder)/bad.yaml")
            Issue.record("a configuration with bad on-failure keys loaded")
        } catch {
            let problems = error.problems.map { "\($0.keyPath)@\($0.line ?? 0)" }
            for expected in [
                "failure-hooks-per-round@1", "staples[0].on-failure@5", "staples[0].on-revoked@6", "staples[0].failure-threshold@7",
                "staples[0].failure-hook-interval@8",
            ] {
                #expect(problems.contains(expected), "\(expected) not among \(problems)")
            }
        }
    }
}
