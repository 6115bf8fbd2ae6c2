import Foundation
import Logging
import Testing

@testable import OCSPCore

/// A responder whose answer the test changes between runs: a forged proof with chosen
/// times (valid under whatever clock the run uses), or a 503.
final class ScriptedResponder: @unchecked Sendable {
    private let lock = NSLock()
    private var answer: [UInt8]? = nil
    private(set) var server: TestHTTPServer! = nil

    init() throws {
        server = try TestHTTPServer { [unowned self] _ in
            guard let body = self.lock.withLock({ self.answer }) else { return .respond(status: 503, headers: [], body: []) }
            return .ok(body, contentType: "application/ocsp-response")
        }
    }

    var url: String { server.url }
    var requestCount: Int { server.requests.count }

    func serve(_ proof: [UInt8]?) { lock.withLock { answer = proof } }
}

/// The clock is the machine's, and machines' clocks step: neither a step forward nor one back
/// may delay a refresh or make a good proof on disk look broken.
@Suite struct ClockStepTests {
    static let day: TimeInterval = 86400

    /// A proof for `leaf` signed by the intermediate, valid from `thisUpdate` to `nextUpdate` (seconds from `t`).
    static func proof(_ scenario: Scenario, leaf: IssuedCertificate? = nil, at t: Date, thisUpdate: TimeInterval, nextUpdate: TimeInterval)
        throws -> [UInt8]
    {
        try ProofForger.sign(
            for: leaf ?? scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [
                .init(thisUpdate: t.addingTimeInterval(thisUpdate), nextUpdate: t.addingTimeInterval(nextUpdate))
            ])
    }

    /// One configured-form refresh (`run`, `refresh --config`: follows the stored schedule) at `clock`.
    static func refresh(_ scenario: Scenario, chain: String, target: Target, responder: String, at clock: Date, force: Bool = false)
        -> RefreshOutcome
    {
        var job = RefreshJob(
            chainPath: chain, outputPath: scenario.output, responderURL: responder,
            policy: TargetPolicy(target: target), force: force)
        job.followsSchedule = true
        let refresher = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory),
            now: { clock }, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return refresher.refresh(job)
    }

    struct StepRow: Sendable, CustomStringConvertible {
        let target: Target
        /// The staple in place, relative to now: thisUpdate and nextUpdate.
        let inPlace: (TimeInterval, TimeInterval)
        let name: String
        var description: String { name }
    }

    static let stepRows: [StepRow] = [
        StepRow(target: .exim, inPlace: (-8 * day, -day), name: "exim, the staple expired"),
        StepRow(target: .nginx, inPlace: (-6 * day, day), name: "nginx, the staple expires tomorrow"),
    ]

    @Test(arguments: stepRows)
    func aPlanMadeUnderAClock30DaysAheadDoesNotDelayTheRefresh(row: StepRow) throws {
        let now = Date()
        let scenario = try Scenario(leafNotAfter: now.addingTimeInterval(90 * Self.day))
        let chain = try scenario.chainFile()
        let responder = try ScriptedResponder()
        try StapleWriter.write(Self.proof(scenario, at: now, thisUpdate: row.inPlace.0, nextUpdate: row.inPlace.1), to: scenario.output)

        // Under a clock 30 days ahead the responder is down: a retry is planned 30 days out.
        let ahead = now.addingTimeInterval(30 * Self.day)
        #expect(
            Self.refresh(scenario, chain: chain, target: row.target, responder: responder.url, at: ahead).exitCode
                == ExitStatus.noValidStaple)
        let stored = StateStore(directory: scenario.stateDirectory).load(for: scenario.output)
        #expect((stored.nextAttempt ?? .distantPast) > ahead)

        // Back on the right clock, with the responder answering: the plan is not believed.
        responder.serve(try Self.proof(scenario, at: now, thisUpdate: -60, nextUpdate: 7 * Self.day))
        let before = responder.requestCount
        let outcome = Self.refresh(scenario, chain: chain, target: row.target, responder: responder.url, at: now)
        #expect(responder.requestCount > before, "\(row.name): no request made")
        #expect(outcome.exitCode == ExitStatus.stapled, "\(row.name): \(outcome)")
        let next = StateStore(directory: scenario.stateDirectory).load(for: scenario.output).nextAttempt ?? .distantFuture
        #expect(next < now.addingTimeInterval(7 * Self.day))
    }

    @Test(arguments: [false, true])
    func anEximStapleAFewMinutesAheadOfTheClockStaysInPlace(mustStaple: Bool) throws {
        let now = Date()
        let scenario = try Scenario()
        let leaf = mustStaple ? try scenario.pki.issueLeaf(ocspURLs: [scenario.url], mustStaple: true) : scenario.leaf
        let chain = try scenario.pki.chainFile(for: leaf, including: nil, withKey: false, in: scenario.folder)
        let responder = try ScriptedResponder()
        let inPlace = try Self.proof(scenario, leaf: leaf, at: now, thisUpdate: 0, nextUpdate: 7 * Self.day)
        try StapleWriter.write(inPlace, to: scenario.output)

        // The clock stepped back 10 minutes (twice the skew allowed for a new proof).
        let outcome = Self.refresh(scenario, chain: chain, target: .exim, responder: responder.url, at: now.addingTimeInterval(-600))
        #expect(scenario.stapleBytes == inPlace, "the good staple was removed or replaced: \(outcome)")
        #expect(outcome.exitCode == ExitStatus.stapled, "\(outcome)")
        #expect(responder.requestCount == 0)
    }

    @Test func nginxKeepsTheNewerProofWhenTheClockIsBehindIt() throws {
        let now = Date()
        let scenario = try Scenario()
        let chain = try scenario.chainFile()
        let responder = try ScriptedResponder()
        let newer = try Self.proof(scenario, at: now, thisUpdate: 0, nextUpdate: 7 * Self.day)
        try StapleWriter.write(newer, to: scenario.output)
        // The responder (a stale cache) sends an older proof, valid for our clock 10 minutes behind.
        responder.serve(try Self.proof(scenario, at: now, thisUpdate: -3600, nextUpdate: 7 * Self.day - 3600))
        let outcome = Self.refresh(
            scenario, chain: chain, target: .nginx, responder: responder.url, at: now.addingTimeInterval(-600), force: true)
        #expect(responder.requestCount == 1)
        #expect(scenario.stapleBytes == newer, "an older proof replaced the newer one: \(outcome)")
        #expect(outcome.exitCode == ExitStatus.stapled)
    }

    @Test func aNewProofAheadOfTheClockIsStillRefused() throws {
        let now = Date()
        let scenario = try Scenario()
        let chain = try scenario.chainFile()
        let responder = try ScriptedResponder()
        responder.serve(try Self.proof(scenario, at: now, thisUpdate: 900, nextUpdate: 7 * Self.day))
        let outcome = Self.refresh(scenario, chain: chain, target: .nginx, responder: responder.url, at: now)
        #expect(outcome.exitCode == ExitStatus.noValidStaple)
        #expect(scenario.stapleBytes == nil)
    }

    @Test func aRecordedProofAheadOfTheClockIsStillFresh() throws {
        let now = Date()
        let scenario = try Scenario()
        let staple = try StapleVerifier.verify(
            OCSPResponse(derBytes: Self.proof(scenario, at: now, thisUpdate: 0, nextUpdate: Self.day)),
            for: scenario.subject, at: now
        ).get()
        let record = try #require(VerifiedRecord(staple, stapleBytes: [1], leaf: scenario.leaf.certificate, chainSHA256: "x"))
        #expect(record.facts(at: now.addingTimeInterval(-600)) != nil)
        #expect(record.facts(at: now.addingTimeInterval(Self.day)) == nil)
    }

    @Test func theDaemonTakesEveryStapleAsDueOnceTheClockSteppedBack() {
        let now = Date()
        let ahead = now.addingTimeInterval(30 * Self.day)
        let jobs = ["a", "b"].map { RefreshJob(chainPath: "/nonexistent/\($0).pem", outputPath: "/nonexistent/\($0).ocsp") }
        let configuration = Configuration(
            stateDirectory: "/nonexistent/state",
            watchInterval: 300, staples: jobs, directories: [])
        let state = DaemonState(configuration: configuration, now: ahead)
        // Wakes planned under a clock 30 days ahead.
        for output in state.entries.keys { state.entries[output]?.wake = ahead.addingTimeInterval(3600) }
        #expect(state.dueOutputs(at: ahead).isEmpty)
        #expect(state.dueOutputs(at: now).count == 2)
        #expect(state.dueOutputs(at: now.addingTimeInterval(1)).isEmpty)
    }
}
