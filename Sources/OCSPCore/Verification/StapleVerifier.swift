import Foundation

/// Decides whether an OCSP response is an acceptable proof for one certificate at one
/// moment. A pure function of its inputs and `now`: no network, no clock.
public enum StapleVerifier {
    /// How far thisUpdate may lie ahead of our clock. Five minutes is the skew HAProxy,
    /// OpenSSL's `-validity_period` default and most clients allow.
    public static let clockSkewAllowance: TimeInterval = 300

    /// - Parameters:
    ///   - extraCertificates: a responder certificate the responder left out (`--responder-cert`);
    ///     it must pass the same checks as one the response carries.
    ///   - expectedNonce: the nonce sent; a response echoing another is refused, one omitting it is accepted.
    public static func verify(
        _ response: OCSPResponse,
        for subject: StapleSubject,
        at now: Date,
        extraCertificates: [Certificate] = [],
        expectedNonce: [UInt8]? = nil
    ) -> Result<VerifiedStaple, VerificationFailure> {
        verify(
            response, leaf: subject.leaf, issuer: subject.issuer, at: now, extraCertificates: extraCertificates,
            expectedNonce: expectedNonce)
    }

    /// Verification without the server certificate (`inspect --issuer`): the signature, the
    /// signer's authority and the time window, for the first answer about any certificate of `issuer`.
    public static func verify(
        _ response: OCSPResponse,
        issuedBy issuer: Certificate,
        at now: Date,
        extraCertificates: [Certificate] = []
    ) -> Result<VerifiedStaple, VerificationFailure> {
        verify(response, leaf: nil, issuer: issuer, at: now, extraCertificates: extraCertificates, expectedNonce: nil)
    }

    private static func verify(
        _ response: OCSPResponse,
        leaf: Certificate?,
        issuer: Certificate,
        at now: Date,
        extraCertificates: [Certificate],
        expectedNonce: [UInt8]?
    ) -> Result<VerifiedStaple, VerificationFailure> {
        guard response.status == .successful, let basic = response.basic else {
            return .failure(.unsuccessful(response.status))
        }

        // The signer: found by responderID among what the response carries, the issuer and
        // the operator's extra certificate. The server's chain is never consulted.
        let signerResult = findSigner(basic, candidates: [issuer] + extraCertificates)
        guard let signer = signerResult else {
            return .failure(.signerNotFound(basic.responderID))
        }
        if let failure = checkSignature(basic, signer: signer) {
            return .failure(failure)
        }

        let isIssuer = signer == issuer || (signer.hasSamePublicKey(as: issuer) && signer.hasSameSubject(as: issuer))
        if !isIssuer {
            if let leaf, signer == leaf || signer.hasSamePublicKey(as: leaf) {
                return .failure(.signerIsServerCertificate(signer.description))
            }
            guard SharedCertificates.isSigned(signer, by: issuer) else {
                return .failure(.signerNotIssuedByIssuer(signer: signer.description, issuer: issuer.subject))
            }
            guard signer.hasOCSPSigningUsage else {
                return .failure(.signerLacksOCSPSigning(signer.description))
            }
        }
        if now < signer.notBefore {
            return .failure(.signerNotYetValid(signer: signer.description, notBefore: signer.notBefore))
        }
        if now > signer.notAfter {
            return .failure(.signerExpired(signer: signer.description, notAfter: signer.notAfter))
        }

        let matching = basic.responses.enumerated().filter { entry in
            leaf.map { entry.element.certID.identifies($0, issuedBy: issuer) } ?? entry.element.certID.names(issuer: issuer)
        }
        // Conflicting answers for one certificate: revoked wins, as revocation is final.
        guard let (index, single) = matching.first(where: { $0.element.status.isRevoked }) ?? matching.first else {
            return .failure(
                .noResponseForCertificate(
                    serial: leaf?.serialNumber ?? "any", issuer: issuer.subject,
                    present: basic.responses.map(\.certID.serialNumber)))
        }

        if let expectedNonce, let echoed = basic.nonce, echoed != expectedNonce {
            return .failure(.nonceMismatch)
        }
        if single.thisUpdate > now.addingTimeInterval(clockSkewAllowance) {
            return .failure(.thisUpdateInFuture(single.thisUpdate))
        }
        guard let nextUpdate = single.nextUpdate else {
            return .failure(.nextUpdateMissing)
        }
        guard nextUpdate > single.thisUpdate else {
            return .failure(.nextUpdateNotAfterThisUpdate(thisUpdate: single.thisUpdate, nextUpdate: nextUpdate))
        }
        if let leaf, now > leaf.notAfter {
            return .failure(.leafExpired(leaf.notAfter))
        }
        if case .unknown = single.status {
            return .failure(.statusUnknown)
        }

        var effectiveExpiry = nextUpdate
        var limit = VerifiedStaple.ExpiryLimit.nextUpdate
        if !isIssuer, signer.notAfter < effectiveExpiry {
            effectiveExpiry = signer.notAfter
            limit = .signerNotAfter
        }
        if let leaf, leaf.notAfter < effectiveExpiry {
            effectiveExpiry = leaf.notAfter
            limit = .leafNotAfter
        }
        if now >= effectiveExpiry {
            return .failure(.expired(effectiveExpiry))
        }

        return .success(
            VerifiedStaple(
                response: response,
                basic: basic,
                single: single,
                singleIndex: index,
                signer: signer,
                isDelegated: !isIssuer,
                signerMissingFromResponse: !isIssuer && !basic.certificates.contains(signer),
                effectiveExpiry: effectiveExpiry,
                expiryLimit: limit
            ))
    }

    /// The signer as the response itself names and carries it, without any outside certificate.
    public static func embeddedSigner(of basic: BasicOCSPResponse) -> Certificate? {
        findSigner(basic, candidates: [])
    }

    /// OpenSSL's own responderID lookup (byName or byKey), over the response's
    /// certificates first, then `candidates`.
    private static func findSigner(_ basic: BasicOCSPResponse, candidates: [Certificate]) -> Certificate? {
        basic.object.signer(among: candidates.map(\.object)).flatMap { Certificate(object: $0) }
    }

    /// Checks only the signature with `signer`'s key; who may sign is decided above.
    private static func checkSignature(_ basic: BasicOCSPResponse, signer: Certificate) -> VerificationFailure? {
        basic.object.signatureFailure(with: signer.object).map { .badSignature(signer: signer.description, detail: $0) }
    }
}
