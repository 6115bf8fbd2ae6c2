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
    ///   - assumedValidity: how long a proof without nextUpdate lasts after its thisUpdate (`assume-validity`).
    public static func verify(
        _ response: OCSPResponse,
        for subject: StapleSubject,
        at now: Date,
        extraCertificates: [Certificate] = [],
        expectedNonce: [UInt8]? = nil,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> Result<VerifiedStaple, VerificationFailure> {
        verify(
            response, leaf: subject.leaf, issuer: subject.issuer, at: now,
            options: Options(extraCertificates: extraCertificates, expectedNonce: expectedNonce, assumedValidity: assumedValidity))
    }

    /// Verification without the server certificate (`inspect --issuer`): the signature, the
    /// signer's authority and the time window, for the first answer about any certificate of `issuer`.
    public static func verify(
        _ response: OCSPResponse,
        issuedBy issuer: Certificate,
        at now: Date,
        extraCertificates: [Certificate] = [],
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> Result<VerifiedStaple, VerificationFailure> {
        verify(
            response, leaf: nil, issuer: issuer, at: now,
            options: Options(extraCertificates: extraCertificates, expectedNonce: nil, assumedValidity: assumedValidity))
    }

    /// What the caller adds to the response and the certificates.
    private struct Options {
        var extraCertificates: [Certificate]
        var expectedNonce: [UInt8]?
        var assumedValidity: TimeInterval
    }

    private static func verify(
        _ response: OCSPResponse,
        leaf: Certificate?,
        issuer: Certificate,
        at now: Date,
        options: Options
    ) -> Result<VerifiedStaple, VerificationFailure> {
        do {
            return .success(try verified(response, leaf: leaf, issuer: issuer, at: now, options: options))
        } catch {
            return .failure(error)
        }
    }

    /// Every check, in the order that decides which failure an operator sees: who signed,
    /// the signer's validity, which answer is ours, the nonce, the proof's dates, its status,
    /// and last the effective expiry.
    private static func verified(
        _ response: OCSPResponse,
        leaf: Certificate?,
        issuer: Certificate,
        at now: Date,
        options: Options
    ) throws(VerificationFailure) -> VerifiedStaple {
        guard response.status == .successful, let basic = response.basic else {
            throw .unsuccessful(response.status)
        }
        let (signer, isDelegated) = try authorizedSigner(
            of: basic, leaf: leaf, issuer: issuer, extraCertificates: options.extraCertificates)
        if let failure = ProofTimeWindow.signerFailure(notBefore: signer.notBefore, notAfter: signer.notAfter, at: now) {
            throw failure.verificationFailure(signer: signer.description)
        }
        let (index, single) = try answer(in: basic, leaf: leaf, issuer: issuer)
        if let expectedNonce = options.expectedNonce, let echoed = basic.nonce, echoed != expectedNonce {
            throw .nonceMismatch
        }
        let window = ProofTimeWindow(
            thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate, signerNotBefore: signer.notBefore,
            signerNotAfter: signer.notAfter, leafNotAfter: leaf?.notAfter, assumedValidity: options.assumedValidity)
        if let failure = window.proofFailure(at: now) {
            throw failure.verificationFailure(signer: signer.description)
        }
        if case .unknown = single.status {
            throw .statusUnknown
        }
        let expiry: ProofTimeWindow.Expiry
        switch window.expiry(at: now, signerIsDelegated: isDelegated) {
        case .failure(let failure): throw failure.verificationFailure(signer: signer.description)
        case .success(let found): expiry = found
        }
        return VerifiedStaple(
            response: response, basic: basic, single: single, singleIndex: index, signer: signer, isDelegated: isDelegated,
            signerMissingFromResponse: isDelegated && !basic.certificates.contains(signer),
            effectiveExpiry: expiry.date, expiryLimit: expiry.limit,
            assumedValidity: single.nextUpdate == nil ? options.assumedValidity : nil)
    }

    /// The signer, found by responderID among what the response carries, the issuer and the
    /// operator's extra certificate (the server's chain is never consulted), whose key made
    /// the signature and who may sign for `issuer`'s certificates: the issuer itself, or a
    /// responder it certified for OCSP signing that is not the server's own certificate.
    private static func authorizedSigner(
        of basic: BasicOCSPResponse, leaf: Certificate?, issuer: Certificate, extraCertificates: [Certificate]
    ) throws(VerificationFailure) -> (signer: Certificate, isDelegated: Bool) {
        guard let signer = findSigner(basic, candidates: [issuer] + extraCertificates) else {
            throw .signerNotFound(basic.responderID)
        }
        if let failure = checkSignature(basic, signer: signer) {
            throw failure
        }
        let isIssuer = signer == issuer || (signer.hasSamePublicKey(as: issuer) && signer.hasSameSubject(as: issuer))
        if !isIssuer {
            if let leaf, signer == leaf || signer.hasSamePublicKey(as: leaf) {
                throw .signerIsServerCertificate(signer.description)
            }
            guard SharedCertificates.isSigned(signer, by: issuer) else {
                throw .signerNotIssuedByIssuer(signer: signer.description, issuer: issuer.subject)
            }
            guard signer.hasOCSPSigningUsage else {
                throw .signerLacksOCSPSigning(signer.description)
            }
        }
        return (signer, !isIssuer)
    }

    /// The SingleResponse about `leaf` (or, without one, about any certificate of `issuer`)
    /// and its position. Conflicting answers for one certificate: revoked wins, as
    /// revocation is final.
    private static func answer(
        in basic: BasicOCSPResponse, leaf: Certificate?, issuer: Certificate
    ) throws(VerificationFailure) -> (index: Int, single: SingleResponse) {
        let matching = basic.responses.enumerated().filter { entry in
            leaf.map { entry.element.certID.identifies($0, issuedBy: issuer) } ?? entry.element.certID.names(issuer: issuer)
        }
        guard let (index, single) = matching.first(where: { $0.element.status.isRevoked }) ?? matching.first else {
            throw .noResponseForCertificate(
                serial: leaf?.serialNumber ?? "any", issuer: issuer.subject, present: basic.responses.map(\.certID.serialNumber))
        }
        return (index, single)
    }

    /// The signer as the response itself names and carries it, without any outside certificate.
    public static func embeddedSigner(of basic: BasicOCSPResponse) -> Certificate? {
        findSigner(basic, candidates: [])
    }

    /// OpenSSL's own responderID lookup (byName or byKey), over the response's
    /// certificates first, then `candidates`.
    /// The certificates the response carries are searched as OpenSSL holds them or, when it
    /// decoded the response without them (`ResponseCertificates`), as the first candidates.
    private static func findSigner(_ basic: BasicOCSPResponse, candidates: [Certificate]) -> Certificate? {
        let searched = basic.certificates + candidates
        guard let found = basic.object.signer(among: searched.map(\.object)) else { return nil }
        return searched.first { $0.object.isSameObject(as: found) } ?? Certificate(object: found)
    }

    /// Checks only the signature with `signer`'s key; who may sign is decided above.
    private static func checkSignature(_ basic: BasicOCSPResponse, signer: Certificate) -> VerificationFailure? {
        basic.object.signatureFailure(with: signer.object).map { .badSignature(signer: signer.description, detail: $0) }
    }
}
