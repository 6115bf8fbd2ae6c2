import COpenSSL
import Foundation
import Logging
import Testing

@testable import OCSPCore

/// A revocation record is believed only for the signed revoked proof it carries: a file
/// someone else left at a record's name is no revocation, and is never copied anywhere.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct RevocationEvidenceTests {
    typealias Fixtures = FileSystemFixtures

    static func refresher(_ scenario: Scenario, stateDirectory: String? = nil, log: CapturedLog) -> Refresher {
        Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: stateDirectory ?? scenario.stateDirectory), logger: log.logger)
    }

    static func job(_ scenario: Scenario, output: String? = nil, responder: ScriptedResponder, target: Target = .nginx, force: Bool = true)
        throws -> RefreshJob
    {
        RefreshJob(
            chainPath: try scenario.chainFile(), outputPath: output ?? scenario.output, responderURL: responder.url,
            policy: TargetPolicy(target: target), force: force)
    }

    static func recordName(_ scenario: Scenario) -> String {
        RevocationLedger.certificateName(scenario.subject)
    }

    @Test func anEmptyRecordPlantedByAnotherUserIsNoRevocationAndIsNeverCopied() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        // The staple folder belongs to the unprivileged user; root refreshes into it.
        let folder = "\(scenario.folder)/theirs"
        try Fixtures.folder(folder, owner: Fixtures.otherUser)
        let planted = "\(folder)/.ocspd-revoked-\(Self.recordName(scenario))"
        try Fixtures.file(planted, [], owner: Fixtures.otherUser)
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
        let log = CapturedLog()
        let outcome = Self.refresher(scenario, log: log).refresh(
            try Self.job(scenario, output: "\(folder)/staple.der", responder: responder))

        #expect(outcome.exitCode == ExitStatus.stapled, "\(log.text)")
        #expect(Fixtures.contents("\(folder)/staple.der") != nil)
        #expect(RevocationLedgerTests.records(in: scenario.stateDirectory).isEmpty, "an unverified record was copied into the state folder")
        #expect(log.text.contains(planted) && log.text.contains("remove it"), "\(log.text)")
    }

    @Test func aRecordWhoseProofIsSignedByAnotherKeyIsNoRevocation() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let now = Date()
        var forged = ProofForger.Answer(thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(86400))
        forged.status = V_OCSP_CERTSTATUS_REVOKED
        forged.revocationTime = now.addingTimeInterval(-3600)
        let proof = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.root, answers: [forged])
        try FileManager.default.createDirectory(atPath: scenario.stateDirectory, withIntermediateDirectories: true)
        let planted = "\(scenario.stateDirectory)/revoked-\(Self.recordName(scenario))"
        try Fixtures.file(planted, proof)
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
        let log = CapturedLog()
        let outcome = Self.refresher(scenario, log: log).refresh(try Self.job(scenario, responder: responder))

        #expect(outcome.exitCode == ExitStatus.stapled, "\(log.text)")
        #expect(RevocationLedgerTests.records(in: scenario.folder).isEmpty, "a forged record was copied beside the staple")
        #expect(log.text.contains(planted) && log.text.contains("does not verify"), "\(log.text)")
    }

    @Test func aRecordHoldsTheSignedRevokedProofThatVerifiesAgainstTheIssuer() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: true))
        #expect(try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)
        let records =
            RevocationLedgerTests.records(in: scenario.stateDirectory).map { "\(scenario.stateDirectory)/\($0)" }
            + RevocationLedgerTests.records(in: scenario.folder).map { "\(scenario.folder)/\($0)" }
        #expect(records.count == 2)
        for record in records {
            let bytes = try #require(Fixtures.contents(record))
            #expect(String(decoding: bytes, as: UTF8.self).contains("-----BEGIN OCSP RESPONSE-----"))
            #expect((try? RevocationEvidence.verify(bytes, for: scenario.subject).get()) != nil, "\(record)")
        }
    }

    @Test func aRevokedProofStaysEvidenceAfterItsNextUpdate() throws {
        let scenario = try Scenario()
        let now = Date()
        // Within the test certificates' lifetimes (made minutes ago), but long expired.
        var old = ProofForger.Answer(thisUpdate: now.addingTimeInterval(-120), nextUpdate: now.addingTimeInterval(-60))
        old.status = V_OCSP_CERTSTATUS_REVOKED
        old.revocationTime = now.addingTimeInterval(-3600)
        let proof = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate, answers: [old])
        if case .failure(let problem) = RevocationEvidence.verify(proof, for: scenario.subject) { Issue.record("\(problem)") }
        let good = try RevocationLedgerTests.answer(scenario, revoked: false)
        guard case .failure(.notRevoked) = RevocationEvidence.verify(good, for: scenario.subject) else {
            Issue.record("a good proof was taken as evidence of a revocation")
            return
        }
    }

    @Test func anOutputPathLongerThanPathMaxWorksAndIsNotRevoked() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let top = "\(scenario.folder)/deep"
        defer { _ = try? Command.run("/bin/rm", ["-rf", top]) }
        let output = try Self.deepFolder(under: top, levels: 22) + "/staple.der"
        #expect(output.utf8.count > Int(PATH_MAX), "\(output.utf8.count)")
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
        let log = CapturedLog()
        let refresher = Self.refresher(scenario, log: log)

        let first = refresher.refresh(try Self.job(scenario, output: output, responder: responder))
        #expect(first.exitCode == ExitStatus.stapled, "\(log.text)")
        let second = refresher.refresh(try Self.job(scenario, output: output, responder: responder, force: false))
        #expect(second.exitCode == ExitStatus.stapled, "\(log.text)")
        #expect(!log.text.contains("REVOKED") && !log.text.contains("revocation record"), "\(log.text)")
    }

    @Test func dotDotAfterAFollowedLinkPutsTheRecordBesideTheRealStaple() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        try Fixtures.folder("\(scenario.folder)/real")
        try Fixtures.folder("\(scenario.folder)/real/sub")
        try Fixtures.folder("\(scenario.folder)/out")
        try Fixtures.link("\(scenario.folder)/out/link", to: "\(scenario.folder)/real/sub")
        let output = "\(scenario.folder)/out/link/../staple.der"
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: true))
        let log = CapturedLog()
        let outcome = Self.refresher(scenario, log: log).refresh(try Self.job(scenario, output: output, responder: responder))

        #expect(outcome.exitCode == ExitStatus.revoked, "\(log.text)")
        #expect(Fixtures.contents("\(scenario.folder)/real/staple.der") != nil, "\(log.text)")
        #expect(RevocationLedgerTests.records(in: "\(scenario.folder)/real").count == 1)
        #expect(RevocationLedgerTests.records(in: "\(scenario.folder)/out").isEmpty)
    }

    /// `levels` nested folders of 200-byte names, made with mkdirat/openat (a path this long
    /// cannot be named in one system call).
    static func deepFolder(under top: String, levels: Int) throws -> String {
        try Fixtures.folder(top)
        var descriptor = open(top, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw Fixtures.Failed("open \(top)") }
        defer { close(descriptor) }
        let name = String(repeating: "d", count: 200)
        var path = top
        for _ in 0..<levels {
            guard mkdirat(descriptor, name, 0o755) == 0 else { throw Fixtures.Failed("mkdirat") }
            let next = openat(descriptor, name, O_RDONLY | O_DIRECTORY)
            guard next >= 0 else { throw Fixtures.Failed("openat") }
            close(descriptor)
            descriptor = next
            path += "/\(name)"
        }
        return path
    }
}
