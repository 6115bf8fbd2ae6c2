import Foundation
import Logging
import Testing

@testable import OCSPCore

/// Outputs of one certificate with the same fetch settings ask its responder once per round,
/// and each still gets the proof under its own target's rules. A counting proxy in front of a
/// real `openssl ocsp` responder counts the requests the responder sees.
@Suite struct SharedFetchTests {
    private static let fiveTargets: [(name: String, target: Target)] = [
        ("exim", .exim), ("nginx", .nginx), ("haproxy", .haproxy), ("generic", .generic), ("exim-2", .exim),
    ]

    private static func refresher(_ scenario: Scenario) -> Refresher {
        Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    private static func jobs(
        _ scenario: Scenario, chain: String, responder: String, targets: [(name: String, target: Target)] = fiveTargets,
        force: Bool = false
    ) -> [RefreshJob] {
        targets.map { name, target in
            var job = RefreshJob(
                chainPath: chain, outputPath: "\(scenario.folder)/\(name).ocsp", responderURL: responder,
                policy: TargetPolicy(target: target), force: force)
            job.followsSchedule = true
            return job
        }
    }

    private static func round(
        _ due: [RefreshJob], offeredFrom all: [RefreshJob]? = nil, _ scenario: Scenario
    ) -> [String: RefreshOutcome] {
        let results = SharedRound.run(
            due, offeredFrom: all, pool: RefreshPool(limits: ConcurrencyLimits()), refresher: refresher(scenario)
        ) { _, refreshed in refreshed.outcome }
        return Dictionary(results.map { ($0.job.outputPath, $0.output) }, uniquingKeysWith: { first, _ in first })
    }

    /// The proof in `path`, verified for the scenario's leaf now.
    private static func proof(_ path: String, _ scenario: Scenario) throws -> VerifiedStaple {
        let bytes = try #require(FileManager.default.contents(atPath: path))
        return try StapleVerifier.verify(OCSPResponse(derBytes: Array(bytes)), for: scenario.subject, at: Date()).get()
    }

    @Test func fiveOutputsOfOneChainCostTheResponderOneRequestThroughRefreshConfig() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let chain = try scenario.chainFile()
        let entries = Self.fiveTargets.map { name, target in
            "  - chain: \(chain)\n    output: \(scenario.folder)/\(name).ocsp\n    target: \(target)"
        }
        let config = "\(scenario.folder)/ocspd.yaml"
        try (["state-dir: \(scenario.stateDirectory)", "defaults:", "  responder: \(proxy.url)", "staples:"] + entries)
            .joined(separator: "\n").write(toFile: config, atomically: true, encoding: .utf8)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let result = try OCSPDBinary.run(["refresh", "--config", config, "--metrics-file", metrics])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(proxy.requests.count == 1)
        for (name, target) in Self.fiveTargets {
            let proof = try Self.proof("\(scenario.folder)/\(name).ocsp", scenario)
            #expect(proof.status == .good, "\(name)")
            #expect(TargetPolicy(target: target).refusal(of: proof, at: Date()) == nil, "\(name)")
        }
        #expect(TextFile.text(metrics).contains("ocspd_requests_total{responder=\"\(proxy.url)\"} 1"), "\(TextFile.text(metrics))")
    }

    @Test func aRevokedProofIsWrittenForNginxWhileEximsGoodStapleIsRemovedForOneRequest() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let chain = try scenario.chainFile()
        let targets: [(name: String, target: Target)] = [("exim", .exim), ("nginx", .nginx)]
        _ = Self.round(Self.jobs(scenario, chain: chain, responder: proxy.url, targets: targets), scenario)
        #expect(try Self.proof("\(scenario.folder)/exim.ocsp", scenario).status == .good)
        try scenario.revokeLeaf()
        let outcomes = Self.round(Self.jobs(scenario, chain: chain, responder: proxy.url, targets: targets, force: true), scenario)
        #expect(proxy.requests.count == 2)
        #expect(try Self.proof("\(scenario.folder)/nginx.ocsp", scenario).status.isRevoked)
        #expect(!FileManager.default.fileExists(atPath: "\(scenario.folder)/exim.ocsp"))
        // Removed by this refresh, or just before its request once the revocation nginx recorded was read.
        guard case .revoked(_, written: false, _)? = outcomes["\(scenario.folder)/exim.ocsp"] else {
            Issue.record("exim: \(String(describing: outcomes["\(scenario.folder)/exim.ocsp"]))")
            return
        }
        guard case .revoked(_, written: true, _)? = outcomes["\(scenario.folder)/nginx.ocsp"] else {
            Issue.record("nginx: \(String(describing: outcomes["\(scenario.folder)/nginx.ocsp"]))")
            return
        }
    }

    @Test func eximNotYetDueRefusesTheRevokedProofNginxFetchedAndLosesItsGoodStaple() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let targets: [(name: String, target: Target)] = [("exim", .exim), ("nginx", .nginx)]
        let all = Self.jobs(scenario, chain: try scenario.chainFile(), responder: proxy.url, targets: targets)
        _ = Self.round(all, scenario)
        try scenario.revokeLeaf()
        // nginx is due (its staple is gone); Exim's good staple is fresh.
        try FileManager.default.removeItem(atPath: all[1].outputPath)
        let outcomes = Self.round([all[1]], offeredFrom: all, scenario)
        #expect(proxy.requests.count == 2)
        #expect(try Self.proof(all[1].outputPath, scenario).status.isRevoked)
        #expect(!FileManager.default.fileExists(atPath: all[0].outputPath))
        guard case .revoked(_, written: false, _)? = outcomes[all[0].outputPath] else {
            Issue.record("exim: \(String(describing: outcomes[all[0].outputPath]))")
            return
        }
    }

    @Test func aResponderDownIsAskedOnceARoundAndEachOutputCountsTheFailure() throws {
        let scenario = try Scenario()
        // Nothing listens behind the proxy: it answers 502, to the GET and to the POST after it.
        let proxy = try TestHTTPServer.proxy(to: "http://127.0.0.1:\(FreePort.pick())")
        defer { proxy.stop() }
        let jobs = Self.jobs(
            scenario, chain: try scenario.chainFile(), responder: proxy.url,
            targets: [("exim", .exim), ("nginx", .nginx), ("generic", .generic)])
        let outcomes = Self.round(jobs, scenario)
        #expect(proxy.requests.count == 2)
        let store = StateStore(directory: scenario.stateDirectory)
        for job in jobs {
            guard case .failed? = outcomes[job.outputPath] else {
                Issue.record("\(job.outputPath): \(String(describing: outcomes[job.outputPath]))")
                continue
            }
            #expect(store.load(for: job.outputPath).consecutiveFailures == 1, "\(job.outputPath)")
        }
        // The request is counted once, under the output that sent it.
        #expect(jobs.map { store.load(for: $0.outputPath).requests[proxy.url] ?? 0 }.reduce(0, +) == 1)
    }

    @Test func outputsWithAnotherResponderOrResponderCertAskForThemselves() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        let other = try TestHTTPServer.proxy(to: responder.url)
        defer {
            proxy.stop()
            other.stop()
        }
        let chain = try scenario.chainFile()
        var jobs = Self.jobs(scenario, chain: chain, responder: proxy.url, targets: [("plain", .nginx), ("signer", .nginx)])
        jobs[1].responderCertificatePath = scenario.pki.intermediate.certificatePath
        jobs += Self.jobs(scenario, chain: chain, responder: other.url, targets: [("elsewhere", .nginx)])
        let outcomes = Self.round(jobs, scenario)
        #expect(proxy.requests.count == 2)
        #expect(other.requests.count == 1)
        for job in jobs {
            #expect(try Self.proof(job.outputPath, scenario).status == .good, "\(String(describing: outcomes[job.outputPath]))")
        }
    }

    @Test func nonceOutputsAskForThemselves() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        var jobs = Self.jobs(scenario, chain: try scenario.chainFile(), responder: proxy.url, targets: [("a", .nginx), ("b", .exim)])
        for index in jobs.indices { jobs[index].nonce = true }
        _ = Self.round(jobs, scenario)
        #expect(proxy.requests.count == 2)
        for job in jobs { #expect(try Self.proof(job.outputPath, scenario).status == .good) }
    }

    @Test func oneDueOutputRefreshesItsSiblingsAndTheNextRoundAgainNeedsOneRequest() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let all = Self.jobs(scenario, chain: try scenario.chainFile(), responder: proxy.url)
        _ = Self.round(all, scenario)
        #expect(proxy.requests.count == 1)
        for (round, due) in [all[0], all[1]].enumerated() {
            // A proof one second newer at least, and this output due (its staple is gone).
            sleep(1)
            try FileManager.default.removeItem(atPath: due.outputPath)
            let outcomes = Self.round([due], offeredFrom: all, scenario)
            #expect(proxy.requests.count == 2 + round)
            let thisUpdate = try Self.proof(due.outputPath, scenario).thisUpdate
            for job in all {
                #expect(
                    try Self.proof(job.outputPath, scenario).thisUpdate == thisUpdate, "\(String(describing: outcomes[job.outputPath]))")
            }
        }
    }

    @Test func anOutputOfACertificateTheRoundDidNotFetchIsNotOffered() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let chain = try scenario.chainFile()
        let jobs = Self.jobs(scenario, chain: chain, responder: proxy.url, targets: [("a", .nginx)])
        let round = SharedFetchRound()
        let offered = RefreshPool(limits: ConcurrencyLimits()).offer(jobs, refresher: Self.refresher(scenario), round: round) { _, r in
            r.outcome
        }
        #expect(offered.count == 1)
        #expect(offered.first.flatMap { $0 } == nil)
        #expect(proxy.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: jobs[0].outputPath))
    }
}
