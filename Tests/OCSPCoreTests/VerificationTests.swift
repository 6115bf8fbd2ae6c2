import Foundation
import Testing

@testable import OCSPCore

/// StapleVerifier against real `openssl ocsp` answers, judged at chosen moments.
@Suite struct VerificationTests {
    @Test func proofSignedByTheIssuerItselfIsAccepted() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let response = try scenario.fetchWithOpenSSL()
        let staple = try StapleVerifier.verify(response, for: scenario.subject, at: Date()).get()
        #expect(!staple.isDelegated)
        #expect(staple.status == .good)
        #expect(staple.expiryLimit == .nextUpdate)
        #expect(staple.effectiveExpiry == staple.single.nextUpdate)
    }

    @Test func proofSignedByADelegatedResponderIsAccepted() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: signer)
        let staple = try StapleVerifier.verify(scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date()).get()
        #expect(staple.isDelegated)
        #expect(staple.signer == signer.certificate)
        #expect(!staple.signerMissingFromResponse)
    }

    @Test func delegatedSignerWithoutOCSPSigningUsageIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: scenario.pki.issueResponder(ocspSigning: false))
        let result = StapleVerifier.verify(try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        guard case .failure(.signerLacksOCSPSigning) = result else {
            Issue.record("expected signerLacksOCSPSigning, got \(result)")
            return
        }
    }

    @Test func signerExpiringBeforeNextUpdateShortensTheEffectiveExpiry() throws {
        let scenario = try Scenario()
        let signerEnd = Date().addingTimeInterval(1800)
        let signer = try scenario.pki.issueResponder(notAfter: signerEnd)
        try scenario.startResponder(signer: signer, minutes: 120)
        let staple = try StapleVerifier.verify(scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date()).get()
        #expect(staple.expiryLimit == .signerNotAfter)
        #expect(staple.effectiveExpiry == signer.certificate.notAfter)
        #expect(staple.effectiveExpiry < (staple.single.nextUpdate ?? .distantPast))
    }

    @Test func expiredSignerIsRefused() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder(
            notBefore: Date().addingTimeInterval(-7200), notAfter: Date().addingTimeInterval(-3600))
        try scenario.startResponder(signer: signer)
        let result = StapleVerifier.verify(try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        guard case .failure(.signerExpired) = result else {
            Issue.record("expected signerExpired, got \(result)")
            return
        }
    }

    @Test func proofWithoutNextUpdateIsValidForTheAssumedValidityAfterItsThisUpdate() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: nil)
        let response = try scenario.fetchWithOpenSSL()
        let staple = try StapleVerifier.verify(response, for: scenario.subject, at: Date(), assumedValidity: 6 * 3600).get()
        #expect(staple.single.nextUpdate == nil)
        #expect(staple.effectiveExpiry == staple.thisUpdate.addingTimeInterval(6 * 3600))
        #expect(staple.expiryLimit == .assumedValidity)
        #expect(staple.assumedValidity == TimeInterval(6 * 3600))
        let after = staple.thisUpdate.addingTimeInterval(6 * 3600)
        #expect(StapleVerifier.verify(response, for: scenario.subject, at: after, assumedValidity: 6 * 3600) == .failure(.expired(after)))
    }

    @Test func thisUpdateMoreThanFiveMinutesAheadIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let response = try scenario.fetchWithOpenSSL()
        let thisUpdate = try #require(response.basic?.responses.first?.thisUpdate)
        let result = StapleVerifier.verify(response, for: scenario.subject, at: thisUpdate.addingTimeInterval(-15 * 60))
        #expect(result == .failure(.thisUpdateInFuture(thisUpdate)))
        // Within the allowance it is fine.
        #expect((try? StapleVerifier.verify(response, for: scenario.subject, at: thisUpdate.addingTimeInterval(-60)).get()) != nil)
    }

    @Test func proofPastItsNextUpdateIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        let response = try scenario.fetchWithOpenSSL()
        let nextUpdate = try #require(response.basic?.responses.first?.nextUpdate)
        #expect(
            StapleVerifier.verify(response, for: scenario.subject, at: nextUpdate.addingTimeInterval(1)) == .failure(.expired(nextUpdate)))
    }

    @Test func proofForAnotherSerialIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let other = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let response = try scenario.fetchWithOpenSSL(for: other)
        let result = StapleVerifier.verify(response, for: scenario.subject, at: Date())
        guard case .failure(.noResponseForCertificate(let serial, _, let present)) = result else {
            Issue.record("expected noResponseForCertificate, got \(result)")
            return
        }
        #expect(serial == scenario.leaf.serial)
        #expect(present == [other.serial])
    }

    @Test func revokedProofIsAcceptedAsRevoked() throws {
        let scenario = try Scenario()
        try scenario.pki.revoke(scenario.leaf, reason: "keyCompromise")
        try scenario.startResponder()
        let staple = try StapleVerifier.verify(scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date()).get()
        guard case .revoked(_, let reason) = staple.status else {
            Issue.record("expected revoked, got \(staple.status)")
            return
        }
        #expect(reason == .keyCompromise)
    }

    @Test func unknownStatusIsRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        // A certificate the responder's index does not list: issued by a CA with its own database.
        let otherCA = try scenario.pki.issueCA(commonName: "Unknown CA \(UUID().uuidString.prefix(4))")
        let stranger = try scenario.pki.issueLeaf(ocspURLs: [scenario.url], issuer: otherCA)
        let responder = try OpenSSLResponder(pki: scenario.pki, ca: scenario.pki.intermediate, signer: otherCA)
        defer { responder.stop() }
        let out = "\(scenario.folder)/unknown.der"
        try Command.openssl([
            "ocsp", "-issuer", otherCA.certificatePath, "-cert", stranger.certificatePath, "-url", responder.url,
            "-respout", out, "-noverify", "-no_nonce",
        ])
        let response = try OCSPResponse(derBytes: Array(Data(contentsOf: URL(fileURLWithPath: out))))
        let result = StapleVerifier.verify(
            response, for: StapleSubject(leaf: stranger.certificate, issuer: otherCA.certificate), at: Date())
        #expect(result == .failure(.statusUnknown))
    }

    @Test func proofSignedByAnImpostorCAWithTheIssuersNameIsRefused() throws {
        let scenario = try Scenario()
        let impostor = try scenario.pki.issueCA(commonName: "Test Intermediate")
        #expect(impostor.certificate.subject == scenario.pki.intermediate.certificate.subject)
        // It signs answers naming our intermediate's name: the responderID matches by name only.
        let responder = try OpenSSLResponder(pki: scenario.pki, ca: scenario.pki.intermediate, signer: impostor, port: scenario.port)
        defer { responder.stop() }
        let result = StapleVerifier.verify(try scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date())
        guard case .failure = result else {
            Issue.record("an impostor's proof was accepted")
            return
        }
    }

    @Test func nonceEchoMustMatchWhenPresent() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate, nonce: true)
        let fetched = try OCSPFetcher(transport: CurlTransport()).fetch(request, from: scenario.url).get()
        #expect(fetched.response.basic?.nonce == request.nonce)
        #expect(
            (try? StapleVerifier.verify(fetched.response, for: scenario.subject, at: Date(), expectedNonce: request.nonce).get()) != nil)
        let other = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate, nonce: true)
        #expect(
            StapleVerifier.verify(fetched.response, for: scenario.subject, at: Date(), expectedNonce: other.nonce)
                == .failure(.nonceMismatch))
        // A response without a nonce is accepted even when one was sent.
        let plain = try scenario.fetchWithOpenSSL()
        #expect((try? StapleVerifier.verify(plain, for: scenario.subject, at: Date(), expectedNonce: request.nonce).get()) != nil)
    }

    @Test func expiredLeafIsRefused() throws {
        let scenario = try Scenario(leafNotAfter: Date().addingTimeInterval(600))
        try scenario.startResponder()
        let response = try scenario.fetchWithOpenSSL()
        let result = StapleVerifier.verify(response, for: scenario.subject, at: Date().addingTimeInterval(900))
        #expect(result == .failure(.leafExpired(scenario.leaf.certificate.notAfter)))
    }

    @Test func leafExpiringBeforeNextUpdateLimitsTheEffectiveExpiry() throws {
        let scenario = try Scenario(leafNotAfter: Date().addingTimeInterval(1200))
        try scenario.startResponder(minutes: 60)
        let staple = try StapleVerifier.verify(scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date()).get()
        #expect(staple.expiryLimit == .leafNotAfter)
        #expect(staple.effectiveExpiry == scenario.leaf.certificate.notAfter)
    }
}

extension Result where Success == VerifiedStaple, Failure == VerificationFailure {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.failure(let a), .failure(let b)): return a == b
        case (.success(let a), .success(let b)): return a.response == b.response
        default: return false
        }
    }
}
