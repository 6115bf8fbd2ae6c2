import COpenSSL
import Foundation
import Testing

@testable import OCSPCore

/// RFC 5280 certificateHold is a suspension the CA can lift: acted on while the proof saying
/// so is current (nginx, HAProxy and generic may serve it, Exim gets no staple), but never
/// recorded, never copied, and replaced by a newer good proof. Every other revocation, and
/// one without a reason, stays final.
@Suite struct CertificateHoldTests {
    static let holdReason: Int32 = 6
    static let keyCompromise: Int32 = 1

    /// A proof for the scenario's leaf, thisUpdate `age` seconds ago, revoked for `reason`
    /// (nil: good; -1: revoked without a reason).
    static func proof(_ scenario: Scenario, revokedFor reason: Int32?, age: TimeInterval = 60) throws -> [UInt8] {
        let now = Date()
        var answer = ProofForger.Answer(thisUpdate: now.addingTimeInterval(-age), nextUpdate: now.addingTimeInterval(7 * 86400))
        if let reason {
            answer.status = V_OCSP_CERTSTATUS_REVOKED
            answer.reason = reason
            answer.revocationTime = now.addingTimeInterval(-2 * 86400)
        }
        return try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate, answers: [answer])
    }

    static func status(of bytes: [UInt8]?, _ scenario: Scenario) throws -> CertStatus? {
        guard let bytes else { return nil }
        return try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get().status
    }

    static func noRecords(_ scenario: Scenario) -> Bool {
        RevocationLedgerTests.records(in: scenario.stateDirectory).isEmpty && RevocationLedgerTests.records(in: scenario.folder).isEmpty
    }

    /// `openssl ca -revoke -crl_reason certificateHold` (index `R ... ,certificateHold`), then
    /// the hold lifted (index back to `V`): the good proof is written after the hold.
    @Test(arguments: [(Target.nginx, "hold written"), (.haproxy, "hold written"), (.generic, "hold written"), (.exim, "absent")])
    func aGoodProofIsWrittenAfterTheCALiftsAHold(target: Target, whileOnHold: String) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: target).exitCode == 0)
        try scenario.revokeLeaf(reason: "certificateHold")
        let held = try scenario.refresh(target: target, force: true)
        #expect(held.exitCode == ExitStatus.revoked, "\(held)")
        if whileOnHold == "absent" {
            #expect(scenario.stapleBytes == nil, "Exim kept a good staple for a certificate on hold")
        } else {
            #expect(try Self.status(of: scenario.stapleBytes, scenario)?.isOnHold == true)
        }
        #expect(Self.noRecords(scenario), "a hold was recorded as a revocation")

        try scenario.unrevokeInIndex()
        let lifted = try scenario.refresh(target: target, force: true)
        #expect(lifted.exitCode == 0, "\(lifted)")
        #expect(try Self.status(of: scenario.stapleBytes, scenario) == .good)
    }

    @Test func aHoldOnDiskIsActedOnWhileCurrentAndAGoodProofOlderThanItIsNot() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.proof(scenario, revokedFor: Self.holdReason, age: 60))
        let held = try RevocationLedgerTests.refresh(
            scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
        #expect(held.status == 3, "\(held.stderr)")
        let hold = scenario.stapleBytes
        // An older good proof is not today's status: the hold in place stays.
        responder.serve(try Self.proof(scenario, revokedFor: nil, age: 600))
        #expect(
            try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
                .status == 3)
        #expect(scenario.stapleBytes == hold)
        // A newer one is: the CA lifted the hold.
        responder.serve(try Self.proof(scenario, revokedFor: nil, age: 0))
        let lifted = try RevocationLedgerTests.refresh(
            scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
        #expect(lifted.status == 0, "\(lifted.stderr)")
        #expect(try Self.status(of: scenario.stapleBytes, scenario) == .good)
    }

    /// A record (in the ledger's format) holding a proof of a hold the CA really signed,
    /// planted beside the staple by whoever can write that folder.
    @Test func aPlantedHoldRecordIsNotARevocationAndIsNotCopied() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let hold = try Self.proof(scenario, revokedFor: Self.holdReason, age: 30 * 86400 - 7 * 86400)
        let record = "\(scenario.folder)/.ocspd-revoked-\(RevocationLedger.certificateName(scenario.subject))"
        let pem =
            "ocspd: planted\n-----BEGIN OCSP RESPONSE-----\n\(Data(hold).base64EncodedString(options: .lineLength64Characters))\n-----END OCSP RESPONSE-----\n"
        try pem.write(toFile: record, atomically: true, encoding: .utf8)
        guard case .failure(.onHold) = RevocationEvidence.verify(Array(pem.utf8), for: scenario.subject) else {
            Issue.record("a planted hold record was taken for evidence of a revocation")
            return
        }

        responder.serve(try Self.proof(scenario, revokedFor: nil))
        let result = try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.status(of: scenario.stapleBytes, scenario) == .good)
        #expect(result.stderr.contains("certificateHold"), "the ignored record is not named: \(result.stderr)")
        #expect(RevocationLedgerTests.records(in: scenario.stateDirectory).isEmpty, "the hold record was copied into the state folder")
    }

    @Test(arguments: [keyCompromise, -1])
    func aRevocationForAnyOtherReasonStaysFinal(reason: Int32) throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.proof(scenario, revokedFor: reason, age: 600))
        #expect(
            try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
                .status == 3)
        #expect(RevocationLedgerTests.records(in: scenario.stateDirectory).count == 1)
        let revoked = scenario.stapleBytes
        // Newer, and good: refused, revocation is final.
        responder.serve(try Self.proof(scenario, revokedFor: nil, age: 0))
        let good = try RevocationLedgerTests.refresh(
            scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
        #expect(good.status == 3, "\(good.stderr)")
        #expect(scenario.stapleBytes == revoked)
    }

    @Test func aNewerHoldDoesNotReplaceAFinalRevocation() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.proof(scenario, revokedFor: Self.keyCompromise, age: 600))
        #expect(
            try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
                .status == 3)
        let revoked = scenario.stapleBytes
        responder.serve(try Self.proof(scenario, revokedFor: Self.holdReason, age: 0))
        #expect(
            try RevocationLedgerTests.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
                .status == 3)
        #expect(scenario.stapleBytes == revoked)
    }
}
