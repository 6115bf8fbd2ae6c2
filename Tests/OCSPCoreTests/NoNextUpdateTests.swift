import Foundation
import Logging
import Testing

@testable import OCSPCore

/// Proofs without nextUpdate (RFC 6960 allows them; `openssl ocsp` sends them without -nmin or
/// -ndays): exim, nginx and generic serve them for `assume-validity` after thisUpdate, which
/// then drives the schedule, expiry and removal; haproxy refuses them, as HAProxy ignores them.
@Suite struct NoNextUpdateTests {
    static let hour: TimeInterval = 3600
    static let assumed: TimeInterval = 4 * hour

    /// A scenario whose responder omits nextUpdate.
    private func scenario() throws -> Scenario {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: nil)
        return scenario
    }

    private func job(
        _ scenario: Scenario, target: Target, assumed: TimeInterval = Self.assumed, responder: String? = nil, force: Bool = false
    ) throws -> RefreshJob {
        var timing = Timing()
        timing.assumedValidity = assumed
        return RefreshJob(
            chainPath: try scenario.chainFile(), outputPath: scenario.output, responderURL: responder,
            policy: TargetPolicy(target: target), force: force, timing: timing)
    }

    private func refresh(_ job: RefreshJob, _ scenario: Scenario, at moment: Date = Date(), log: CapturedLog? = nil) -> RefreshOutcome {
        let logger = log?.logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let refresher = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory), now: { moment }, logger: logger)
        return refresher.refresh(job)
    }

    @Test(arguments: [Target.exim, .nginx, .generic])
    func aProofWithoutNextUpdateIsStapledForTheAssumedValidityAndRefreshedWithinIt(target: Target) throws {
        let scenario = try scenario()
        let log = CapturedLog()
        let now = Date()
        let outcome = refresh(try job(scenario, target: target), scenario, at: now, log: log)
        #expect(outcome.exitCode == 0)
        let facts = try #require(outcome.factsInPlace)
        #expect(facts.nextUpdate == nil)
        #expect(facts.effectiveExpiry == facts.thisUpdate.addingTimeInterval(Self.assumed))
        #expect(facts.expiryLimit == .assumedValidity)
        let bytes = try #require(scenario.stapleBytes)
        #expect(try OCSPResponse(derBytes: bytes).basic?.responses.first?.nextUpdate == nil)
        // Refresh at half the assumed validity ± jitter, never past the deadline (expiry − deadline-min).
        let next = try #require(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).nextAttempt)
        #expect(next > now)
        #expect(next <= facts.thisUpdate.addingTimeInterval(Self.assumed - Timing().deadlineMinimum))
        #expect(log.text.contains("nextUpdate: none (assumed valid 4h, until"), "\(log.text)")
    }

    @Test func haproxyRefusesAProofWithoutNextUpdateAndSaysWhy() throws {
        let scenario = try scenario()
        let outcome = refresh(try job(scenario, target: .haproxy), scenario)
        #expect(outcome.exitCode == ExitStatus.noValidStaple)
        #expect(scenario.stapleBytes == nil)
        guard case .failed(let error, _, _) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.description.contains("HAProxy ignores such a staple"), "\(error)")
    }

    /// A responder that starts sending proofs without nextUpdate: HAProxy's staple with one
    /// stays (it is what HAProxy serves), the others take the newer proof.
    @Test(arguments: [(Target.haproxy, false), (.exim, true), (.nginx, true)])
    func aResponderDroppingNextUpdateLeavesHAProxysStapleAlone(target: Target, replaced: Bool) throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        #expect(refresh(try job(scenario, target: target), scenario).exitCode == 0)
        let before = try #require(scenario.stapleBytes)
        let dropping = try OpenSSLResponder(pki: scenario.pki, signer: scenario.pki.intermediate, minutes: nil)
        defer { dropping.stop() }
        try dropping.sync(probe: scenario.leaf)
        let outcome = refresh(try job(scenario, target: target, responder: dropping.url, force: true), scenario)
        #expect(outcome.exitCode == (replaced ? 0 : 1))
        #expect((scenario.stapleBytes != before) == replaced)
        #expect(outcome.factsInPlace?.nextUpdate == nil ? replaced : !replaced)
    }

    /// Near thisUpdate + assume-validity with the responder down: Exim's staple goes (an
    /// expired file would make it refuse STARTTLS), nginx's and generic's stay.
    @Test(arguments: [(Target.exim, true), (.nginx, false), (.generic, false)])
    func theAssumedValidityDecidesRemoval(target: Target, removed: Bool) throws {
        let scenario = try scenario()
        let first = refresh(try job(scenario, target: target), scenario)
        let facts = try #require(first.factsInPlace)
        scenario.stopResponders()
        let late = facts.thisUpdate.addingTimeInterval(Self.assumed - 120)
        _ = refresh(try job(scenario, target: target), scenario, at: late)
        #expect((scenario.stapleBytes == nil) == removed)
    }

    @Test func theFastPathKeepsTheAssumptionAndAChangedOneTakesTheFullPath() throws {
        let scenario = try scenario()
        let first = try #require(refresh(try job(scenario, target: .exim), scenario).factsInPlace)
        let record = try #require(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).verified)
        #expect(record.nextUpdate == nil)
        #expect(record.assumedValidity == Self.assumed)
        #expect(record.facts(at: Date()) == first)

        let again = refresh(try job(scenario, target: .exim), scenario, at: Date().addingTimeInterval(60))
        guard case .unchanged(let facts, reason: .fresh) = again else {
            Issue.record("expected the fresh staple to stand, got \(again)")
            return
        }
        #expect(facts == first)

        let longer = refresh(try job(scenario, target: .exim, assumed: 8 * Self.hour), scenario, at: Date().addingTimeInterval(60))
        #expect(longer.factsInPlace?.effectiveExpiry == first.thisUpdate.addingTimeInterval(8 * Self.hour))
    }

    @Test func aRecordOfAProofWithoutNextUpdateRoundTripsThroughJSON() throws {
        let scenario = try scenario()
        let response = try scenario.fetchWithOpenSSL()
        let staple = try StapleVerifier.verify(response, for: scenario.subject, at: Date(), assumedValidity: Self.assumed).get()
        let record = try #require(
            VerifiedRecord(staple, stapleBytes: response.derBytes, leaf: scenario.leaf.certificate, chainSHA256: "chain"))
        let decoded = try JSONDecoder().decode(VerifiedRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded == record)
        #expect(decoded.facts(at: Date()) == staple.facts)
        #expect(decoded.facts(at: staple.effectiveExpiry) == nil)
    }

    @Test func checkJudgesAProofWithoutNextUpdateByItsAssumedValidity() throws {
        let scenario = try scenario()
        let job = try job(scenario, target: .nginx)
        let facts = try #require(refresh(job, scenario).factsInPlace)
        let store = StateStore(directory: scenario.stateDirectory)
        let health = StapleHealth.assess(job, store: store, at: Date(), warning: Self.hour, critical: 60)
        #expect(health.level == .ok, "\(health.reason)")
        #expect(health.staple?.effectiveExpiry == facts.effectiveExpiry)
        let late = StapleHealth.assess(
            job, store: store, at: facts.thisUpdate.addingTimeInterval(Self.assumed - 600), warning: Self.hour, critical: 60)
        #expect(late.level == .warning, "\(late.reason)")
    }

    @Test func inspectShowsTheAssumptionAndWhichTargetsRefuse() throws {
        let scenario = try scenario()
        let file = "\(scenario.folder)/nonext.der"
        try Data(scenario.fetchWithOpenSSL().derBytes).write(to: URL(fileURLWithPath: file))
        let chain = try scenario.chainFile()
        let text = try OCSPDBinary.run(["inspect", file, "--chain", chain])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdoutText.contains("Next update:       none (assumed valid 12h, until "), "\(text.stdoutText)")
        #expect(text.stdoutText.contains("For haproxy:         not acceptable: the proof has no nextUpdate"), "\(text.stdoutText)")
        #expect(text.stdoutText.contains("For nginx:           acceptable"), "\(text.stdoutText)")

        let json = try OCSPDBinary.run(["inspect", file, "--chain", chain, "--json", "--assume-validity", "6h"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let answer = try #require((object["responses"] as? [[String: Any]])?.first)
        #expect(answer["nextUpdate"] is NSNull)
        #expect(answer["assumedValidity"] as? Double == 6 * Self.hour)
        #expect(answer["assumedValidUntil"] is String)
        #expect(object["effectiveExpiry"] as? String == answer["assumedValidUntil"] as? String)
    }
}

/// The one-shot form takes the assumption on its command line, checked as the configuration's key.
@Suite struct RefreshAssumeValidityOptionTests {
    @Test func theOneShotFormSchedulesAProofWithoutNextUpdateByItsAssumeValidity() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: nil)
        let result = try OCSPDBinary.run([
            "refresh", "--target", "nginx", "--chain", try scenario.chainFile(), "--output", scenario.output,
            "--state-dir", scenario.stateDirectory, "--assume-validity", "6h", "--log-format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("assumed valid 6h"), "\(result.stderr)")
    }

    @Test(arguments: [
        (["--assume-validity", "16d"], "longer than the 15 days Exim"),
        (["--assume-validity", "1h"], "less than twice deadline-min"),
        (["--assume-validity", "soon"], "is not a positive duration"),
    ])
    func aBadAssumeValidityIsAUsageErrorSayingWhy(arguments: [String], says: String) throws {
        let result = try OCSPDBinary.run(["refresh", "--chain", "/nonexistent", "--output", "/nonexistent.der"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(says), "\(result.stderr)")
    }
}
