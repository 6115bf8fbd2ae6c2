import Foundation
import Testing

@testable import OCSPCore

/// Targets × situations: what is on disk afterwards and the exit code. The refresher runs
/// in-process against a real `openssl ocsp`, with the clock moved where a situation needs time to pass.
@Suite struct TargetTableTests {
    private func fileState(_ scenario: Scenario, before: [UInt8]?) -> String {
        guard let now = scenario.stapleBytes else { return "absent" }
        if let before, before == now { return "unchanged" }
        return "written"
    }

    @Test(arguments: Target.allCases)
    func goodProofIsWrittenForEveryTarget(target: Target) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let outcome = try scenario.refresh(target: target)
        #expect(outcome.exitCode == 0)
        #expect(fileState(scenario, before: nil) == "written")
    }

    @Test(arguments: [(Target.exim, "absent"), (.nginx, "written"), (.haproxy, "written"), (.generic, "written")])
    func revokedCertificate(target: Target, expected: String) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .generic).exitCode == 0)
        let before = scenario.stapleBytes
        try scenario.revokeLeaf()
        let outcome = try scenario.refresh(target: target, force: true)
        #expect(outcome.exitCode == 3)
        #expect(fileState(scenario, before: before) == expected)
        if expected == "written" {
            let bytes = try #require(scenario.stapleBytes)
            let staple = try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get()
            #expect(staple.status.isRevoked)
        }
    }

    @Test(arguments: Target.allCases)
    func unknownStatusWritesNothing(target: Target) throws {
        let scenario = try Scenario()
        let otherCA = try scenario.pki.issueCA(commonName: "Empty CA \(UUID().uuidString.prefix(4))")
        let responder = try OpenSSLResponder(pki: scenario.pki, ca: otherCA, signer: scenario.pki.intermediate, port: scenario.port)
        defer { responder.stop() }
        #expect(try scenario.refresh(target: target).exitCode == 2)
        #expect(scenario.stapleBytes == nil)
    }

    @Test(arguments: [(Target.exim, "absent", Int32(2)), (.nginx, "unchanged", 2), (.haproxy, "absent", 2), (.generic, "unchanged", 2)])
    func expiredOnDiskWithTheResponderDown(target: Target, expected: String, exit: Int32) throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        #expect(try scenario.refresh(target: .generic).exitCode == 0)
        let before = scenario.stapleBytes
        scenario.stopResponders()
        let outcome = try scenario.refresh(target: target, at: Date().addingTimeInterval(2 * 3600))
        #expect(outcome.exitCode == exit)
        #expect(fileState(scenario, before: before) == expected)
    }

    @Test(arguments: [(Target.exim, "absent", Int32(2)), (.nginx, "unchanged", 1), (.haproxy, "unchanged", 2), (.generic, "unchanged", 1)])
    func withinTheExpiryMarginWithTheResponderDown(target: Target, expected: String, exit: Int32) throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        #expect(try scenario.refresh(target: .generic).exitCode == 0)
        let before = scenario.stapleBytes
        let beforeBytes = try #require(before)
        let nextUpdate = try #require(try OCSPResponse(derBytes: beforeBytes).basic?.responses.first?.nextUpdate)
        scenario.stopResponders()
        // Two minutes left: inside Exim's 5-minute margin and under HAProxy's 300 s.
        let outcome = try scenario.refresh(target: target, at: nextUpdate.addingTimeInterval(-120))
        #expect(outcome.exitCode == exit)
        #expect(fileState(scenario, before: before) == expected)
    }

    @Test(arguments: [(Target.exim, "absent"), (.nginx, "unchanged"), (.haproxy, "absent"), (.generic, "unchanged")])
    func certificateRenewedWhileTheResponderIsDown(target: Target, expected: String) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .generic).exitCode == 0)
        let before = scenario.stapleBytes
        scenario.stopResponders()
        let renewed = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let chain = try scenario.pki.chainFile(for: renewed, in: scenario.folder)
        let outcome = try scenario.refresh(target: target, chain: chain)
        #expect(outcome.exitCode == 2)
        #expect(fileState(scenario, before: before) == expected)
    }

    @Test(arguments: Target.allCases)
    func certificateRenewedIsReplacedAtOnceEvenWhileTheOldStapleIsFresh(target: Target) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: target).exitCode == 0)
        let before = scenario.stapleBytes
        let renewed = try scenario.renewLeaf()
        let chain = try scenario.pki.chainFile(for: renewed, in: scenario.folder)
        #expect(try scenario.refresh(target: target, chain: chain).exitCode == 0)
        #expect(fileState(scenario, before: before) == "written")
        let bytes = try #require(scenario.stapleBytes)
        let staple = try OCSPResponse(derBytes: bytes)
        #expect(staple.basic?.responses.first?.certID.serialNumber == renewed.serial)
    }

    @Test(arguments: Target.allCases)
    func responderDownKeepsAValidStaple(target: Target) throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        #expect(try scenario.refresh(target: target).exitCode == 0)
        let before = scenario.stapleBytes
        scenario.stopResponders()
        // Past the halfway point, so due, but far from expiry.
        let outcome = try scenario.refresh(target: target, at: Date().addingTimeInterval(40 * 60))
        #expect(outcome.exitCode == 1)
        #expect(fileState(scenario, before: before) == "unchanged")
    }

    @Test(arguments: Target.allCases)
    func goodAfterRevokedIsRefused(target: Target) throws {
        let scenario = try Scenario()
        try scenario.pki.revoke(scenario.leaf)
        try scenario.startResponder()
        #expect(try scenario.refresh(target: target).exitCode == 3)
        let before = scenario.stapleBytes
        try scenario.unrevokeInIndex()
        // The responder now claims "good"; the state remembers the revocation.
        let outcome = try scenario.refresh(target: target, force: true)
        #expect(outcome.exitCode == 3)
        #expect(fileState(scenario, before: before) == expected(target))
        if let bytes = scenario.stapleBytes {
            let staple = try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get()
            #expect(staple.status.isRevoked)
        }
    }

    private func expected(_ target: Target) -> String { target == .exim ? "absent" : "unchanged" }

    @Test(arguments: [(Target.exim, Int32(2)), (.nginx, 0), (.haproxy, 2), (.generic, 0)])
    func ourAnswerAsTheSecondSingleResponse(target: Target, exit: Int32) throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let path = try scenario.fetchProofWithOurAnswerSecond(from: responder.url)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let server = try TestHTTPServer { _ in .ok(bytes, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let outcome = try scenario.refresh(target: target, responder: server.url)
        #expect(outcome.exitCode == exit)
        #expect((scenario.stapleBytes != nil) == (exit == 0))
    }

    @Test(arguments: [(Target.exim, Int32(0)), (.nginx, 0), (.haproxy, 2), (.generic, 0)])
    func sha256CertIDAnswer(target: Target, exit: Int32) throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let path = "\(scenario.folder)/sha256.der"
        try Command.openssl([
            "ocsp", "-sha256", "-issuer", scenario.pki.intermediate.certificatePath, "-cert", scenario.leaf.certificatePath,
            "-url", responder.url, "-respout", path, "-noverify", "-no_nonce",
        ])
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try OCSPResponse(derBytes: bytes).basic?.responses.first?.certID.hashAlgorithm == "sha256")
        let server = try TestHTTPServer { _ in .ok(bytes, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let outcome = try scenario.refresh(target: target, responder: server.url)
        #expect(outcome.exitCode == exit)
        #expect((scenario.stapleBytes != nil) == (exit == 0))
    }

    @Test(arguments: Target.allCases)
    func olderProofIsNeverWrittenOverANewerOne(target: Target) throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let older = try scenario.fetchWithOpenSSL(from: responder.url)
        sleep(1)
        let newer = try scenario.fetchWithOpenSSL(from: responder.url)
        try scenario.place(newer)
        let server = try TestHTTPServer { _ in .ok(older.derBytes, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let outcome = try scenario.refresh(target: target, force: true, responder: server.url)
        #expect(outcome.exitCode == 0)
        guard case .unchanged(_, .newerOnDisk) = outcome else {
            Issue.record("expected the newer proof to be kept, got \(outcome)")
            return
        }
        #expect(scenario.stapleBytes == newer.derBytes)
    }

    @Test(arguments: Target.allCases)
    func sameProofAgainIsNotRewrittenAndNotAFailure(target: Target) throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proof = try scenario.fetchWithOpenSSL(from: responder.url)
        try scenario.place(proof)
        let inode = try FileManager.default.attributesOfItem(atPath: scenario.output)[.systemFileNumber] as? Int
        let server = try TestHTTPServer { _ in .ok(proof.derBytes, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let outcome = try scenario.refresh(target: target, force: true, responder: server.url)
        #expect(outcome.exitCode == 0)
        guard case .unchanged(_, .identical) = outcome else {
            Issue.record("expected identical, got \(outcome)")
            return
        }
        #expect(try FileManager.default.attributesOfItem(atPath: scenario.output)[.systemFileNumber] as? Int == inode)
    }
}
