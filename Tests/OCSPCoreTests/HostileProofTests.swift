import COpenSSL
import Foundation
import Testing

@testable import OCSPCore

/// Properly signed (unless said otherwise) proofs that must still be refused, or handled
/// as the rules say, against a good staple on disk.
@Suite struct HostileProofTests {
    private func verify(_ bytes: [UInt8], _ scenario: Scenario, at moment: Date = Date()) throws -> Result<
        VerifiedStaple, VerificationFailure
    > {
        StapleVerifier.verify(try OCSPResponse(derBytes: bytes), for: scenario.subject, at: moment)
    }

    @Test func sameSerialUnderAnotherIssuerIsNotOurs() throws {
        let scenario = try Scenario()
        let otherCA = try scenario.pki.issueCA(commonName: "Other CA \(UUID().uuidString.prefix(4))")
        // Signed by our own issuer, so only the CertID's issuer hashes tell the answer is not ours.
        let responder = try OpenSSLResponder(pki: scenario.pki, ca: otherCA, signer: scenario.pki.intermediate)
        defer { responder.stop() }
        let path = "\(scenario.folder)/other-issuer.der"
        try Command.openssl([
            "ocsp", "-issuer", otherCA.certificatePath, "-serial", "0x" + scenario.leaf.serial, "-url", responder.url,
            "-respout", path, "-noverify", "-no_nonce",
        ])
        let result = try verify(Array(Data(contentsOf: URL(fileURLWithPath: path))), scenario)
        guard case .failure(.noResponseForCertificate) = result else {
            Issue.record("expected no answer for our certificate, got \(result)")
            return
        }
    }

    @Test func conflictingAnswersForOurCertificateRevokedWins() throws {
        let scenario = try Scenario()
        let pki = scenario.pki
        let bytes = try ProofForger.sign(
            for: scenario.leaf, issuer: pki.intermediate, signer: pki.intermediate,
            answers: [
                .init(),
                .init(status: V_OCSP_CERTSTATUS_REVOKED, reason: 1, revocationTime: Date().addingTimeInterval(-60)),
            ])
        let staple = try verify(bytes, scenario).get()
        #expect(staple.status.isRevoked)
        #expect(staple.singleIndex == 1)
    }

    @Test func extendedRevokedFormIsRevoked() throws {
        let scenario = try Scenario()
        let pki = scenario.pki
        let bytes = try ProofForger.sign(
            for: scenario.leaf, issuer: pki.intermediate, signer: pki.intermediate,
            answers: [
                .init(status: V_OCSP_CERTSTATUS_REVOKED, reason: 6, revocationTime: Date(timeIntervalSince1970: 0))
            ], extendedRevoke: true)
        let staple = try verify(bytes, scenario).get()
        #expect(staple.status == .revoked(time: Date(timeIntervalSince1970: 0), reason: .certificateHold))
    }

    @Test func nextUpdateBeforeThisUpdateIsRefused() throws {
        let scenario = try Scenario()
        let now = Date()
        let bytes = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [
                .init(thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(-120))
            ])
        guard case .failure(.nextUpdateNotAfterThisUpdate) = try verify(bytes, scenario) else {
            Issue.record("accepted a nextUpdate before thisUpdate")
            return
        }
    }

    @Test func signatureOverAlteredDataIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        var bytes = try scenario.fetchWithOpenSSL().derBytes
        // Change one digit of producedAt (GeneralizedTime "YYYYMMDDHHMMSSZ"), inside tbsResponseData.
        let marker = Array("Z".utf8)[0]
        let index = try #require(bytes.indices.first { bytes[$0] == 0x18 && bytes[$0 + 1] == 15 && bytes[$0 + 16] == marker })
        bytes[index + 14] = bytes[index + 14] == 0x30 ? 0x31 : 0x30
        guard case .failure(.badSignature) = try verify(bytes, scenario) else {
            Issue.record("accepted a proof whose signed data was altered")
            return
        }
    }

    @Test func signedByAnUnrelatedSelfSignedCertificateIsRefused() throws {
        let scenario = try Scenario()
        let folder = scenario.folder
        try TestPKI.makeKey("\(folder)/rogue.key")
        try Command.openssl([
            "req", "-x509", "-new", "-key", "\(folder)/rogue.key", "-subj", "/CN=Rogue OCSP", "-days", "2",
            "-addext", "extendedKeyUsage=OCSPSigning", "-out", "\(folder)/rogue.pem",
        ])
        let rogue = IssuedCertificate(
            certificatePath: "\(folder)/rogue.pem", keyPath: "\(folder)/rogue.key",
            certificate: try TestPKI.load("\(folder)/rogue.pem"), issuerDatabase: nil)
        try scenario.startResponder(signer: rogue)
        guard
            case .failure(.signerNotIssuedByIssuer) = StapleVerifier.verify(
                try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        else {
            Issue.record("accepted a self-signed OCSP signer")
            return
        }
    }

    @Test func signedByTheServersOwnKeyIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: scenario.leaf)
        guard
            case .failure(.signerIsServerCertificate) = StapleVerifier.verify(
                try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        else {
            Issue.record("accepted a proof signed by the server's own key")
            return
        }
    }

    @Test func notYetValidSignerIsRefused() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder(notBefore: Date().addingTimeInterval(3600), notAfter: Date().addingTimeInterval(7200))
        try scenario.startResponder(signer: signer)
        guard case .failure(.signerNotYetValid) = StapleVerifier.verify(try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        else {
            Issue.record("accepted a signer that is not valid yet")
            return
        }
    }

    @Test func refusedProofsLeaveTheGoodStapleByteIdentical() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .exim).exitCode == 0)
        let before = scenario.stapleBytes
        let forged = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [
                .init(thisUpdate: Date().addingTimeInterval(-60), nextUpdate: Date().addingTimeInterval(-120))
            ])
        let server = try TestHTTPServer { _ in .ok(forged, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()
        #expect(try scenario.refresh(target: .exim, force: true, responder: server.url, log: log).exitCode == 1)
        #expect(scenario.stapleBytes == before)
        #expect(log.text.contains(server.url) && log.text.contains("nextUpdate"))
    }
}

/// The hosting-provider option: no connections to loopback, private or link-local addresses.
@Suite struct PrivateAddressTests {
    @Test func refusedOnTheResolvedAddressWithAClearMessage() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        // "localhost" is a name: the check is on the address it resolves to.
        let url = "http://localhost:\(scenario.port)"
        let refused = try scenario.runRefresh(["--refuse-private-addresses", "--responder", url])
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("refused to connect to ::1") || refused.stderr.contains("refused to connect to 127.0.0.1"),
            "\(refused.stderr)")
        #expect(scenario.stapleBytes == nil)
        #expect(try scenario.runRefresh(["--responder", url]).status == 0)
    }

    @Test func caIssuersDownloadsAreCheckedToo() throws {
        let server = try TestHTTPServer { _ in .respond(status: 404, headers: [], body: []) }
        defer { server.stop() }
        let scenario = try Scenario(caIssuersURLs: [server.url + "/ca.der"])
        let result = try scenario.runRefresh(["--refuse-private-addresses"], chain: scenario.chainFile(including: []))
        #expect(result.status == 2)
        #expect(result.stderr.contains("refused to connect"))
        #expect(server.requests.isEmpty)
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("10.1.2.3", true), ("172.20.0.1", true), ("192.168.1.1", true), ("169.254.169.254", true),
        ("100.64.0.1", true), ("0.0.0.0", true), ("8.8.8.8", false), ("172.32.0.1", false), ("::1", true),
        ("fe80::1", true), ("fd00::1", true), ("::ffff:10.0.0.1", true), ("2001:db8::1", false), ("::ffff:1.1.1.1", false),
    ])
    func addressClassification(address: String, isPrivate: Bool) {
        var storage = sockaddr_storage()
        withUnsafeMutablePointer(to: &storage) { pointer in
            if address.contains(":") {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    _ = inet_pton(AF_INET6, address, &$0.pointee.sin6_addr)
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    _ = inet_pton(AF_INET, address, &$0.pointee.sin_addr)
                }
            }
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #expect(AddressPolicy.isPrivate($0) == isPrivate, "\(address)")
            }
        }
    }
}

/// Every bad proof, served where the responder should be, against a good staple on disk:
/// refused, the URL and the certificate named, the staple byte-identical, no temp file.
@Suite struct BadProofTableTests {
    enum Proof: String, CaseIterable, Sendable {
        case forAnotherCertificate, signedByUnrelatedSelfSigned, signedByServerKey, signerWithoutEKU
        case expiredSigner, notYetValidSigner, impostorWithIssuersName, alteredSignedData
        case thisUpdateInFuture, nextUpdatePassed, nextUpdateBeforeThisUpdate, unknownStatus
    }

    private func bytes(_ proof: Proof, _ scenario: Scenario) throws -> [UInt8] {
        let pki = scenario.pki
        let now = Date()
        func served(by signer: IssuedCertificate, for leaf: IssuedCertificate? = nil) throws -> [UInt8] {
            let responder = try OpenSSLResponder(pki: pki, signer: signer)
            defer { responder.stop() }
            try responder.sync(probe: scenario.leaf)
            return try scenario.fetchWithOpenSSL(for: leaf, from: responder.url).derBytes
        }
        func forged(_ answer: ProofForger.Answer) throws -> [UInt8] {
            try ProofForger.sign(for: scenario.leaf, issuer: pki.intermediate, signer: pki.intermediate, answers: [answer])
        }
        switch proof {
        case .forAnotherCertificate: return try served(by: pki.intermediate, for: pki.issueLeaf(ocspURLs: []))
        case .signedByUnrelatedSelfSigned:
            let folder = scenario.folder
            try TestPKI.makeKey("\(folder)/rogue.key")
            try Command.openssl([
                "req", "-x509", "-new", "-key", "\(folder)/rogue.key", "-subj", "/CN=Rogue", "-days", "2",
                "-addext", "extendedKeyUsage=OCSPSigning", "-out", "\(folder)/rogue.pem",
            ])
            return try served(
                by: IssuedCertificate(
                    certificatePath: "\(folder)/rogue.pem", keyPath: "\(folder)/rogue.key",
                    certificate: TestPKI.load("\(folder)/rogue.pem"), issuerDatabase: nil))
        case .signedByServerKey: return try served(by: scenario.leaf)
        case .signerWithoutEKU: return try served(by: pki.issueResponder(ocspSigning: false))
        case .expiredSigner:
            return try served(by: pki.issueResponder(notBefore: now.addingTimeInterval(-7200), notAfter: now.addingTimeInterval(-3600)))
        case .notYetValidSigner:
            return try served(by: pki.issueResponder(notBefore: now.addingTimeInterval(3600), notAfter: now.addingTimeInterval(7200)))
        case .impostorWithIssuersName: return try served(by: pki.issueCA(commonName: "Test Intermediate"))
        case .alteredSignedData:
            var bytes = try served(by: pki.intermediate)
            let index = try #require(bytes.indices.first { bytes[$0] == 0x18 && bytes[$0 + 1] == 15 && bytes[$0 + 16] == 0x5a })
            bytes[index + 14] = bytes[index + 14] == 0x30 ? 0x31 : 0x30
            return bytes
        case .thisUpdateInFuture:
            return try forged(.init(thisUpdate: now.addingTimeInterval(900), nextUpdate: now.addingTimeInterval(7200)))
        case .nextUpdatePassed: return try forged(.init(thisUpdate: now.addingTimeInterval(-7200), nextUpdate: now.addingTimeInterval(-60)))
        case .nextUpdateBeforeThisUpdate:
            return try forged(.init(thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(-120)))
        case .unknownStatus: return try forged(.init(status: 2))
        }
    }

    @Test(arguments: Proof.allCases)
    func refusedAndTheGoodStapleStays(proof: Proof) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .exim).exitCode == 0)
        let before = try #require(scenario.stapleBytes)
        let bad = try bytes(proof, scenario)
        let server = try TestHTTPServer { _ in .ok(bad, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()
        let outcome = try scenario.refresh(target: .exim, force: true, responder: server.url, log: log)
        #expect(outcome.exitCode == 1, "\(proof): \(log.text)")
        #expect(scenario.stapleBytes == before)
        #expect(scenario.temporaryFiles.isEmpty)
        #expect(log.text.contains(server.url) && log.text.contains(scenario.leaf.serial), "\(log.text)")
    }
}
