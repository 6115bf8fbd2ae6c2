import Foundation

/// What `ocspd inspect` shows about one proof, as text or JSON.
public struct InspectReport: Sendable {
    public let response: OCSPResponse
    /// Present when the caller asked to verify (a chain or issuer was given).
    public let verification: Result<VerifiedStaple, VerificationFailure>?
    public let moment: Date
    /// Verified for a certificate chain (not just an issuer), so target rules apply.
    public let forCertificate: Bool
    /// Whether that certificate demands stapling (RFC 7633), when a chain was given.
    public let mustStaple: Bool?
    /// How long a proof without nextUpdate is taken to be valid after its thisUpdate.
    public let assumedValidity: TimeInterval

    public init(
        response: OCSPResponse, verification: Result<VerifiedStaple, VerificationFailure>?, at moment: Date,
        forCertificate: Bool = false, mustStaple: Bool? = nil, assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) {
        self.response = response
        self.verification = verification
        self.moment = moment
        self.forCertificate = forCertificate
        self.mustStaple = mustStaple
        self.assumedValidity = assumedValidity
    }

    /// Whether each target would accept the file now (only when verified for a chain):
    /// nil means acceptable, else why not.
    public var targetVerdicts: [(Target, String?)]? {
        guard let verification, forCertificate else { return nil }
        return Target.allCases.map { target in
            switch verification {
            case .failure(let failure):
                return (target, failure.description)
            case .success(let staple):
                if let refusal = TargetPolicy(target: target).refusal(of: staple, at: moment) { return (target, refusal.description) }
                if case .refused(let tooLarge) = StapleSizeLimit.verdict(size: size, target: target) {
                    return (target, tooLarge.description)
                }
                return (target, nil)
            }
        }
    }

    /// Bytes of the DER proof, as ocspd would write it.
    public var size: Int { response.derBytes.count }

    /// The size line: the size, and the limit for the servers ocspd knows (`StapleSizeLimit`).
    var sizeLine: String {
        let limit = "limit \(StapleSizeLimit.bytes) bytes for exim, nginx and haproxy, what OpenSSL clients accept over TLS 1.2"
        if size > StapleSizeLimit.bytes {
            return "Size:                \(size) bytes: TOO LARGE (\(limit)); clients would fail the handshake"
        }
        return "Size:                \(size) bytes (\(limit))"
    }

    /// min(nextUpdate, delegated signer notAfter[, leaf notAfter when verified]); without
    /// nextUpdate, thisUpdate + the assumed validity stands in for it.
    public var effectiveExpiry: Date? {
        if case .success(let staple) = verification { return staple.effectiveExpiry }
        guard let basic = response.basic, let single = basic.responses.first else { return nil }
        // Unverified, a carried signer with OCSP signing is taken for a delegated responder.
        let delegated = StapleVerifier.embeddedSigner(of: basic).flatMap { $0.hasOCSPSigningUsage ? $0 : nil }
        let stale = ProofTimeWindow.proofStale(
            thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate, assumedValidity: assumedValidity)
        return ProofTimeWindow.effectiveExpiry(proofStale: stale, delegatedSignerNotAfter: delegated?.notAfter, leafNotAfter: nil).date
    }

    /// The `nextUpdate` line of an answer: its date, or what ocspd assumes without one.
    func nextUpdateText(_ single: SingleResponse) -> String {
        guard let nextUpdate = single.nextUpdate else {
            return StapleFacts.noNextUpdateText(assumedValidity: assumedValidity, thisUpdate: single.thisUpdate)
                .replacingOccurrences(of: "nextUpdate: ", with: "")
        }
        return RFC3339.string(nextUpdate)
    }

    public var json: JSONValue {
        let basic = response.basic
        var members: [(String, JSONValue)] = [
            ("responseStatus", .string(response.status.description)),
            ("producedAt", .time(basic?.producedAt)),
            ("size", .number(Double(size))),
            ("sizeLimit", .number(Double(StapleSizeLimit.bytes))),
        ]
        switch basic?.responderID {
        case .byName(let name): members.append(("responderID", .object([("byName", .string(name))])))
        case .byKeyHash(let hash): members.append(("responderID", .object([("byKeyHash", .string(Hex.string(hash)))])))
        case nil: members.append(("responderID", .null))
        }
        members.append(("signatureAlgorithm", .optional(basic?.signatureAlgorithm)))
        members.append(("responses", basic.map { .array($0.responses.map(json)) } ?? .null))
        members.append(("certificates", basic.map { .array($0.certificates.map(Self.json)) } ?? .null))
        members.append(("effectiveExpiry", .time(effectiveExpiry)))
        switch verification {
        case nil: members.append(("verification", .null))
        case .success: members.append(("verification", .object([("verified", .bool(true)), ("error", .null)])))
        case .failure(let failure):
            members.append(("verification", .object([("verified", .bool(false)), ("error", .string(failure.description))])))
        }
        members.append(("mustStaple", mustStaple.map(JSONValue.bool) ?? .null))
        if let verdicts = targetVerdicts {
            members.append(
                (
                    "targets",
                    .object(
                        verdicts.map { target, reason in
                            (target.rawValue, .object([("acceptable", .bool(reason == nil)), ("reason", .optional(reason))]))
                        })
                ))
        } else {
            members.append(("targets", .null))
        }
        return .object(members)
    }

    private func json(_ single: SingleResponse) -> JSONValue {
        var revocationTime: Date? = nil
        var reason: RevocationReason? = nil
        if case .revoked(let time, let why) = single.status {
            revocationTime = time
            reason = why
        }
        return .object([
            ("serialNumber", .string(single.certID.serialNumber)),
            ("hashAlgorithm", .string(single.certID.hashAlgorithm)),
            ("issuerNameHash", .string(Hex.string(single.certID.issuerNameHash))),
            ("issuerKeyHash", .string(Hex.string(single.certID.issuerKeyHash))),
            ("certStatus", .string(single.status.name)),
            ("revocationTime", .time(revocationTime)),
            ("revocationReason", .optional(reason?.description)),
            ("thisUpdate", .time(single.thisUpdate)),
            ("nextUpdate", .time(single.nextUpdate)),
            // Without nextUpdate: how long ocspd takes the proof to be valid, and until when.
            ("assumedValidity", single.nextUpdate == nil ? .number(assumedValidity) : .null),
            ("assumedValidUntil", .time(single.nextUpdate == nil ? single.thisUpdate.addingTimeInterval(assumedValidity) : nil)),
        ])
    }

    private static func json(_ certificate: Certificate) -> JSONValue {
        .object([
            ("subject", .string(certificate.subject)),
            ("issuer", .string(certificate.issuer)),
            ("serialNumber", .string(certificate.serialNumber)),
            ("notBefore", .time(certificate.notBefore)),
            ("notAfter", .time(certificate.notAfter)),
            ("ocspSigning", .bool(certificate.hasOCSPSigningUsage)),
        ])
    }

    public var text: String {
        var lines: [String] = ["Response status:     \(response.status)", sizeLine]
        guard let basic = response.basic else {
            lines.append(verificationLine)
            return lines.map(DisplayText.line).joined(separator: "\n")
        }
        lines.append("Responder ID:        \(basic.responderID)")
        lines.append("Produced at:         \(RFC3339.string(basic.producedAt))")
        lines.append("Signature algorithm: \(basic.signatureAlgorithm)")
        for (index, single) in basic.responses.enumerated() {
            lines.append("Response \(index + 1):")
            lines.append("  Serial number:     \(single.certID.serialNumber)")
            lines.append("  Hash algorithm:    \(single.certID.hashAlgorithm)")
            lines.append("  Issuer name hash:  \(Hex.string(single.certID.issuerNameHash))")
            lines.append("  Issuer key hash:   \(Hex.string(single.certID.issuerKeyHash))")
            lines.append("  Status:            \(single.status)")
            lines.append("  This update:       \(RFC3339.string(single.thisUpdate))")
            lines.append("  Next update:       \(nextUpdateText(single))")
        }
        for certificate in basic.certificates {
            lines.append("Embedded certificate:")
            lines.append("  Subject:           \(certificate.subject)")
            lines.append("  Issuer:            \(certificate.issuer)")
            lines.append("  Serial number:     \(certificate.serialNumber)")
            lines.append("  Valid:             \(RFC3339.string(certificate.notBefore)) to \(RFC3339.string(certificate.notAfter))")
            lines.append("  OCSP signing:      \(certificate.hasOCSPSigningUsage ? "yes" : "no")")
        }
        if let expiry = effectiveExpiry {
            lines.append("Effective expiry:    \(RFC3339.string(expiry)) (\(Self.duration(expiry.timeIntervalSince(moment))))")
        } else {
            lines.append("Effective expiry:    unknown (no answer)")
        }
        lines.append(verificationLine)
        if let mustStaple {
            lines.append("Must-Staple:         \(mustStaple ? "yes: clients refuse this certificate without a valid staple" : "no")")
        }
        for (target, reason) in targetVerdicts ?? [] {
            let name = "For \(target):".padding(toLength: 21, withPad: " ", startingAt: 0)
            lines.append(name + (reason.map { "not acceptable: \($0)" } ?? "acceptable"))
        }
        return lines.map(DisplayText.line).joined(separator: "\n")
    }

    private var verificationLine: String {
        switch verification {
        case nil: return "Verification:        not requested (pass --chain or --issuer)"
        case .success(let staple):
            return
                "Verification:        OK at \(RFC3339.string(moment)) (signed by \(staple.isDelegated ? "delegated responder " : "issuer ")\(staple.signer.subject))"
        case .failure(let failure): return "Verification:        FAILED: \(failure)"
        }
    }

    /// "3d 4h left" or "expired 2h ago".
    static func duration(_ seconds: TimeInterval) -> String {
        let magnitude = Int(abs(seconds))
        let days = magnitude / 86400
        let hours = magnitude % 86400 / 3600
        let minutes = magnitude % 3600 / 60
        let text = days > 0 ? "\(days)d \(hours)h" : hours > 0 ? "\(hours)h \(minutes)m" : "\(minutes)m \(magnitude % 60)s"
        return seconds >= 0 ? "\(text) left" : "expired \(text) ago"
    }
}
