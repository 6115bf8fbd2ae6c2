import Foundation
import Testing

@testable import OCSPCore

/// The request and failure counters root publishes come only from files ocspd believes, and
/// no count read from a file can stop a run: the state folder may belong to the unprivileged
/// `ocspd` user while root's cron job and daemon publish its counters.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct ForgedCountersTests {
    typealias Fixtures = FileSystemFixtures
    static let evil = "http://evil.example"

    /// The red team's state file: a staple state in form, with the largest count JSON can say.
    static func forgedState(_ path: String, owner: uid_t?, count: String = "9223372036854775807") throws {
        let text =
            #"{"outputPath":"/x/\#(UUID().uuidString.prefix(6))","requests":{"\#(evil)":\#(count)},"failures":{"\#(evil) connect":\#(count)}}"#
        try Fixtures.file(path, Array(text.utf8), owner: owner)
    }

    /// A configuration of the scenario's staple whose state folder belongs to `nobody` and
    /// already holds two forged state files of `owner`.
    static func configuration(_ scenario: Scenario, forgedBy owner: uid_t?) throws -> String {
        try Fixtures.folder(scenario.stateDirectory, owner: Fixtures.otherUser)
        for name in ["a", "b"] { try forgedState("\(scenario.stateDirectory)/\(name).json", owner: owner) }
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        defaults:
          target: generic
        staples:
          - chain: \(try scenario.chainFile())
            output: \(scenario.output)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func forgedCountsOfAnotherUserNeitherStopACronRunNorArePublished() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let config = try Self.configuration(scenario, forgedBy: Fixtures.otherUser)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let result = try OCSPDBinary.run(["refresh", "--config", config, "--metrics-file", metrics])
        #expect(result.status == 0, "\(result.stderr)")
        let text = TextFile.text(metrics)
        #expect(text.contains("ocspd_requests_total{responder=\"\(scenario.url)\"} 1"), "\(text)")
        #expect(!text.contains(Self.evil), "\(text)")
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func forgedCountsOfAnotherUserNeitherStopTheDaemonNorArePublished() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let config = try Self.configuration(scenario, forgedBy: Fixtures.otherUser)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let daemon = try RunningDaemon(config: config, arguments: ["--metrics-file", metrics])
        #expect(
            eventually(30) { TextFile.text(metrics).contains("ocspd_requests_total{responder=\"\(scenario.url)\"} 1") }, "\(daemon.text)")
        #expect(!TextFile.text(metrics).contains(Self.evil), "\(TextFile.text(metrics))")
        #expect(daemon.process.isRunning, "\(daemon.text)")
        try Promtool.expectValidMetrics(metrics)
        #expect(daemon.terminate() == 0, "\(daemon.text)")
    }

    @Test func hugeCountsInRootsOwnStateFilesSaturateWithoutACrash() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let config = try Self.configuration(scenario, forgedBy: nil)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let result = try OCSPDBinary.run(["refresh", "--config", config, "--metrics-file", metrics])
        #expect(result.status == 0, "\(result.stderr)")
        let text = TextFile.text(metrics)
        // Two files of Int.max: the sum stays at Int.max, the largest count there is.
        #expect(text.contains("ocspd_requests_total{responder=\"\(Self.evil)\"} \(Double(Int.max))"), "\(text)")
        #expect(text.contains("ocspd_requests_total{responder=\"\(scenario.url)\"} 1"), "\(text)")
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func aRequestCountedOnTopOfTheLargestCountStaysThere() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let store = StateStore(directory: scenario.stateDirectory)
        #expect(try scenario.runRefresh().status == 0)
        var state = store.load(for: scenario.output)
        state.requests[scenario.url] = Int.max
        state.failures["\(scenario.url) connect"] = Int.max
        try store.save(state, for: scenario.output)
        let result = try scenario.runRefresh(["--force"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(store.load(for: scenario.output).requests[scenario.url] == Int.max)
    }

    @Test func aLedgerOfAnotherUserIsNotBelievedAndIsReplaced() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let config = try Self.configuration(scenario, forgedBy: Fixtures.otherUser)
        let ledger = StateFolderCounters(directory: scenario.stateDirectory).ledgerPath
        let forged =
            #"{"published":{"requests":{"\#(Self.evil)":9223372036854775807},"failures":{}},"offset":{"requests":{"\#(Self.evil)":9223372036854775807},"failures":{}}}"#
        try Fixtures.file(ledger, Array(forged.utf8), owner: Fixtures.otherUser)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let result = try OCSPDBinary.run(["refresh", "--config", config, "--metrics-file", metrics])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(ledger): not ocspd's own ledger (owner uid 65534"), "\(result.stderr)")
        #expect(!TextFile.text(metrics).contains(Self.evil), "\(TextFile.text(metrics))")
        var status = stat()
        #expect(lstat(ledger, &status) == 0 && status.st_uid == geteuid())
        #expect(!TextFile.text(ledger).contains(Self.evil))
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func aLedgerHoldingANegativeCountIsNotBelieved() throws {
        let folder = try TestPKI.scratchFolder("ledger")
        let counters = StateFolderCounters(directory: folder)
        try Fixtures.file(
            counters.ledgerPath, Array(#"{"published":{"requests":{"a":-5},"failures":{}},"offset":{"requests":{},"failures":{}}}"#.utf8))
        guard case .unreadable(let why) = counters.readLedger() else {
            Issue.record("a negative count was believed")
            return
        }
        #expect(why.contains("negative"))
    }

    @Test func aStateFileOfAnotherUserOrWithANegativeCountAddsNothing() throws {
        let folder = try TestPKI.scratchFolder("counts")
        try Self.forgedState("\(folder)/theirs.json", owner: Fixtures.otherUser, count: "7")
        try Self.forgedState("\(folder)/negative.json", owner: nil, count: "-7")
        try Self.forgedState("\(folder)/ours.json", owner: nil, count: "7")
        try Fixtures.link("\(folder)/link.json", to: "\(folder)/ours.json", owner: Fixtures.otherUser)
        let sum = StateFolderCounters(directory: folder).sum(known: [:])
        #expect(sum == RequestCounters(requests: [Self.evil: 7], failures: ["\(Self.evil) connect": 7]))
    }

    @Test func theCountsOfAStateFileOfAnotherUserAreForgottenOnLoad() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let store = StateStore(directory: scenario.stateDirectory)
        #expect(try scenario.runRefresh().status == 0)
        #expect(chown(store.statePath(for: scenario.output), Fixtures.otherUser, Fixtures.otherUser) == 0)
        #expect(store.load(for: scenario.output).requests.isEmpty)
    }
}

/// Counter arithmetic on counts read from files: saturating, never negative.
@Suite struct CounterArithmeticTests {
    @Test func sumsThatWouldOverflowStayAtTheLargestCount() {
        var total = RequestCounters(requests: ["a": Int.max])
        total.add(requests: ["a": Int.max], failures: ["a connect": 1])
        #expect(total == RequestCounters(requests: ["a": Int.max], failures: ["a connect": 1]))
    }

    @Test func theLedgerAdvancesPastTheLargestCountWithoutATrap() {
        let ledger = CounterLedger(published: RequestCounters(requests: ["a": Int.max]), offset: RequestCounters(requests: ["a": Int.max]))
        #expect(ledger.advanced(to: RequestCounters(requests: ["a": Int.max])).published.requests["a"] == Int.max)
        #expect(ledger.advanced(to: RequestCounters(requests: ["a": 3])).published.requests["a"] == Int.max)
    }

    @Test func aStateFileWithANegativeCountLoadsWithoutItsCounts() throws {
        let json = #"{"outputPath":"/x","requests":{"a":-1,"b":4},"failures":{"a connect":2},"consecutiveFailures":-3}"#
        let state = try JSONDecoder().decode(StapleState.self, from: Data(json.utf8))
        #expect(state.requests.isEmpty)
        #expect(state.failures == ["a connect": 2])
        #expect(state.consecutiveFailures == 0)
    }

    @Test func countingOnFromTheLargestCountStaysThere() {
        var state = StapleState(outputPath: "/x")
        state.requests["a"] = Int.max
        state.consecutiveFailures = Int.max
        state.countRequest(to: "a")
        state.recordFailure(at: Date()) { _ in Date() }
        #expect(state.requests["a"] == Int.max)
        #expect(state.consecutiveFailures == Int.max)
    }
}
