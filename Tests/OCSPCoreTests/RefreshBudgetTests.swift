import Foundation
import Logging
import Testing

@testable import OCSPCore

/// One refresh spends a bounded number of URLs and a bounded time on the network, however
/// many responders or caIssuers URLs the certificate lists.
@Suite struct RefreshBudgetTests {
    // MARK: the rule, table-tested on a clock given as a parameter

    @Test func admitsURLsUpToTheLimitThenRefusesByCount() {
        var spending = BudgetSpending(RefreshBudget(maximumURLs: 2, seconds: 30), startedAt: 100)
        #expect(spending.admit(.responder, at: 100) == .success(130))
        #expect(spending.admit(.responder, at: 101) == .success(130))
        #expect(spending.admit(.responder, at: 102) == .failure(.tooManyURLs(limit: 2)))
    }

    @Test func refusesOnceTheTimeIsSpent() {
        var spending = BudgetSpending(RefreshBudget(maximumURLs: 10, seconds: 30), startedAt: 100)
        #expect(spending.admit(.responder, at: 129) == .success(130))
        #expect(spending.admit(.responder, at: 129.8) == .failure(.timeSpent(seconds: 30)))
        #expect(spending.admit(.issuer, at: 131) == .failure(.timeSpent(seconds: 30)))
    }

    @Test func issuerDownloadsShareTheTimeButCountApart() {
        var spending = BudgetSpending(RefreshBudget(maximumURLs: 1, seconds: 30), startedAt: 0)
        #expect(spending.admit(.issuer, at: 0) == .success(30))
        #expect(spending.admit(.issuer, at: 1) == .failure(.tooManyURLs(limit: 1)))
        #expect(spending.admit(.responder, at: 1) == .success(30))
    }

    @Test func aURLNotAskedAfterAllLeavesItsPlace() {
        var spending = BudgetSpending(RefreshBudget(maximumURLs: 1, seconds: 30), startedAt: 0)
        #expect(spending.admit(.responder, at: 0) == .success(30))
        spending.refund(.responder)
        #expect(spending.admit(.responder, at: 1) == .success(30))
        #expect(spending.admit(.responder, at: 2) == .failure(.tooManyURLs(limit: 1)))
    }

    @Test func aBudgetIsNeverZero() {
        let budget = RefreshBudget(maximumURLs: 0, seconds: 0)
        #expect(budget.maximumURLs == 1 && budget.seconds == 1)
    }

    @Test func theBudgetIsConfiguredInDefaultsAndPerStaple() throws {
        let folder = try TestPKI.scratchFolder("budget-config")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pki = try TestPKI.get()
        let chain = try pki.chainFile(for: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"]), in: folder)
        let configuration = try ConfigurationLoader.parse(
            """
            defaults:
              refresh-budget: 20s
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                max-responder-urls: 5
              - chain: \(chain)
                output: \(folder)/b.der
            """, path: "\(folder)/ocspd.yaml")
        let budgets = configuration.jobs().map(\.budget)
        #expect(budgets == [RefreshBudget(maximumURLs: 5, seconds: 20), RefreshBudget(maximumURLs: 3, seconds: 20)])
    }

    @Test func aBudgetMustBeADurationAndACount() throws {
        let folder = try TestPKI.scratchFolder("budget-config")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(
                """
                defaults:
                  refresh-budget: soon
                  max-responder-urls: 0
                staples: []
                """, path: "\(folder)/ocspd.yaml")
        }
        let text = error?.description ?? ""
        #expect(text.contains("defaults.refresh-budget") && text.contains("defaults.max-responder-urls"), "\(text)")
    }

    // MARK: against hanging listeners

    /// Servers that read the request and then say nothing for `seconds`.
    static func hangingServers(_ count: Int, seconds: UInt32) throws -> [TestHTTPServer] {
        try (0..<count).map { _ in try TestHTTPServer { _ in .custom { _ in sleep(seconds) } } }
    }

    /// Refreshes `job` in-process with `budget`; its outcome and what it logged.
    static func refresh(_ job: RefreshJob, budget: RefreshBudget, in scenario: Scenario, limits: TransportLimits) -> (
        outcome: RefreshOutcome, log: CapturedLog
    ) {
        var job = job
        job.budget = budget
        let log = CapturedLog()
        let refresher = Refresher(
            transport: CurlTransport(limits: limits), stateStore: StateStore(directory: scenario.stateDirectory), logger: log.logger)
        return (refresher.refresh(job), log)
    }

    /// Whether the first `count` of `servers` were asked once each and the others never.
    static func onlyTheFirst(_ count: Int, of servers: [TestHTTPServer]) -> Bool {
        servers.prefix(count).allSatisfy { $0.requests.count == 1 } && servers.dropFirst(count).allSatisfy { $0.requests.isEmpty }
    }

    static func limits(totalTimeout: TimeInterval) -> TransportLimits {
        var limits = TransportLimits()
        limits.connectTimeout = 2
        limits.totalTimeout = totalTimeout
        return limits
    }

    @Test func aLeafWithThirteenHangingRespondersAsksOnlyTheFirstThree() throws {
        let servers = try Self.hangingServers(13, seconds: 2)
        defer { for server in servers { server.stop() } }
        let scenario = try Scenario(leafOCSPURLs: servers.map(\.url))
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .nginx))

        let (outcome, log) = Self.refresh(
            job, budget: RefreshBudget(maximumURLs: 3, seconds: 60), in: scenario, limits: Self.limits(totalTimeout: 1))

        #expect(outcome.exitCode == 2, "\(log.text)")
        #expect(Self.onlyTheFirst(3, of: servers), "\(log.text)")
        #expect(log.text.contains("3 of 13 OCSP URLs asked, 10 not asked (at most 3 URLs of a kind are tried per refresh)"), "\(log.text)")
        #expect(log.text.contains(servers[0].url) && log.text.contains("timed out"), "\(log.text)")
    }

    @Test func aRefreshStopsAskingWhenItsTimeIsSpent() throws {
        let servers = try Self.hangingServers(13, seconds: 4)
        defer { for server in servers { server.stop() } }
        let scenario = try Scenario(leafOCSPURLs: servers.map(\.url))
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .exim))

        // Each transfer may take 20 s on its own; the budget cuts the first to what is left of 2 s.
        let (outcome, log) = Self.refresh(job, budget: RefreshBudget(maximumURLs: 13, seconds: 2), in: scenario, limits: TransportLimits())

        #expect(outcome.exitCode == 2, "\(log.text)")
        #expect(Self.onlyTheFirst(1, of: servers), "\(log.text)")
        #expect(log.text.contains("1 of 13 OCSP URLs asked, 12 not asked (the refresh's time budget of 2 s is spent)"), "\(log.text)")
    }

    @Test func caIssuersDownloadsAreCappedToo() throws {
        let servers = try Self.hangingServers(6, seconds: 2)
        defer { for server in servers { server.stop() } }
        let scenario = try Scenario(caIssuersURLs: servers.map(\.url))
        // The chain holds only the leaf: the issuer must be downloaded.
        let chain = try scenario.pki.chainFile(for: scenario.leaf, including: [], in: scenario.folder)
        let job = RefreshJob(chainPath: chain, outputPath: scenario.output, policy: TargetPolicy(target: .nginx))

        let (outcome, log) = Self.refresh(
            job, budget: RefreshBudget(maximumURLs: 2, seconds: 60), in: scenario, limits: Self.limits(totalTimeout: 1))

        #expect(outcome.exitCode == 2, "\(log.text)")
        #expect(Self.onlyTheFirst(2, of: servers), "\(log.text)")
        #expect(log.text.contains("\(servers[5].url): not asked: at most 2 URLs of a kind are tried per refresh"), "\(log.text)")
    }
}
