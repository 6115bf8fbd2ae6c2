import Foundation

/// What `ocspd probe` found: whether the server stapled, whether the proof verifies against
/// the chain the server presented, its status and time left, and whether it is the file ocspd wrote.
public struct ProbeReport: Sendable {
    public let endpoint: String
    public let observation: TLSProbe.Observation
    public let leaf: Certificate?
    public let verification: Result<VerifiedStaple, VerificationFailure>?
    /// nil without `--expect`.
    public let matchesExpected: Bool?
    public let expectedPath: String?
    public let level: StapleHealth.Level
    public let reason: String
    public let moment: Date

    public init(
        endpoint: String, observation: TLSProbe.Observation, expected: (path: String, bytes: [UInt8])?, at moment: Date,
        warning: TimeInterval, critical: TimeInterval
    ) {
        self.endpoint = endpoint
        self.observation = observation
        self.moment = moment
        let leaf = observation.presentedChain.first
        self.leaf = leaf
        expectedPath = expected?.path
        matchesExpected = expected.map { observation.stapled == $0.bytes }
        verification = Self.verification(of: observation, at: moment)
        (level, reason) = Self.verdict(
            stapled: observation.stapled != nil, verification: verification, mustStaple: leaf?.mustStaple ?? false,
            matchesExpected: matchesExpected, expectedPath: expected?.path ?? "", at: moment, warning: warning, critical: critical)
    }

    /// The stapled proof verified against the presented leaf and the issuer the server sent
    /// with it; nil when nothing was stapled or no issuer was presented.
    private static func verification(
        of observation: TLSProbe.Observation, at moment: Date
    ) -> Result<VerifiedStaple, VerificationFailure>? {
        guard let stapled = observation.stapled, let leaf = observation.presentedChain.first,
            let issuer = IssuerSearch.issuer(of: leaf, among: observation.presentedChain.dropFirst())
        else { return nil }
        switch Result(catching: { try OCSPResponse(derBytes: stapled) }) {
        case .success(let response):
            return StapleVerifier.verify(response, for: StapleSubject(leaf: leaf, issuer: issuer), at: moment)
        case .failure:
            return .failure(.unsuccessful(.malformedRequest))
        }
    }

    /// The monitoring level and its reason.
    private static func verdict(
        stapled: Bool, verification: Result<VerifiedStaple, VerificationFailure>?, mustStaple: Bool, matchesExpected: Bool?,
        expectedPath: String, at moment: Date, warning: TimeInterval, critical: TimeInterval
    ) -> (StapleHealth.Level, String) {
        switch (stapled, verification) {
        case (false, _):
            return (
                mustStaple ? .critical : .warning,
                "no staple" + (mustStaple ? ", and the certificate demands one (Must-Staple): clients will refuse the connection" : "")
            )
        case (true, nil):
            return (.unknown, "stapled, but the server presented no issuer to verify the proof with")
        case (true, .failure(let failure)?):
            return (.critical, "the stapled proof does not verify: \(failure)")
        case (true, .success(let staple)?):
            let left = staple.effectiveExpiry.timeIntervalSince(moment)
            if staple.status.isRevoked { return (.critical, "the server staples a REVOKED status") }
            if left < critical { return (.critical, "the stapled proof has \(InspectReport.duration(left))") }
            if matchesExpected == false {
                return (.warning, "the server staples a different proof than \(expectedPath) (not reloaded yet?)")
            }
            if left < warning { return (.warning, "the stapled proof has \(InspectReport.duration(left))") }
            return (
                .ok,
                "stapled, \(staple.status), \(InspectReport.duration(left))"
                    + (matchesExpected == true ? ", identical to \(expectedPath)" : "")
            )
        }
    }

    var staple: VerifiedStaple? {
        if case .success(let staple)? = verification { return staple }
        return nil
    }

    public var text: String {
        var lines = ["OCSPD \(level) - \(endpoint): \(reason)"]
        lines.append("Protocol:            \(observation.protocolVersion)")
        if let leaf {
            lines.append("Certificate:         \(leaf.subject)")
            lines.append("Serial number:       \(leaf.serialNumber)")
            lines.append("Expires:             \(RFC3339.string(leaf.notAfter))")
            lines.append("Must-Staple:         \(leaf.mustStaple ? "yes" : "no")")
        }
        lines.append("Stapled:             \(observation.stapled.map { "yes, \($0.count) bytes" } ?? "no")")
        switch verification {
        case nil: break
        case .success(let staple)?:
            lines.append(
                "Verifies:            yes (signed by \(staple.isDelegated ? "delegated responder " : "issuer ")\(staple.signer.subject))")
            lines.append("Status:              \(staple.status)")
            lines.append(
                "Effective expiry:    \(RFC3339.string(staple.effectiveExpiry)) (\(InspectReport.duration(staple.effectiveExpiry.timeIntervalSince(moment))))"
            )
        case .failure(let failure)?:
            lines.append("Verifies:            no: \(failure)")
        }
        if let matchesExpected, let expectedPath {
            lines.append("Matches \(expectedPath): \(matchesExpected ? "yes, byte for byte" : "no")")
        }
        return lines.map(DisplayText.line).joined(separator: "\n")
    }

    public var json: JSONValue {
        var verificationValue: JSONValue = .null
        switch verification {
        case .success?: verificationValue = .object([("verified", .bool(true)), ("error", .null)])
        case .failure(let failure)?: verificationValue = .object([("verified", .bool(false)), ("error", .string(failure.description))])
        case nil: break
        }
        return .object([
            ("endpoint", .string(endpoint)),
            ("status", .string(level.description)),
            ("reason", .string(reason)),
            ("protocol", .string(observation.protocolVersion)),
            ("subject", .optional(leaf?.subject)),
            ("serialNumber", .optional(leaf?.serialNumber)),
            ("notAfter", .time(leaf?.notAfter)),
            ("mustStaple", leaf.map { .bool($0.mustStaple) } ?? .null),
            ("stapled", .bool(observation.stapled != nil)),
            ("verification", verificationValue),
            ("certStatus", .optional(staple?.status.name)),
            ("effectiveExpiry", .time(staple?.effectiveExpiry)),
            ("secondsLeft", staple.map { .number($0.effectiveExpiry.timeIntervalSince(moment).rounded()) } ?? .null),
            ("matchesExpected", matchesExpected.map(JSONValue.bool) ?? .null),
        ])
    }

    /// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
    public static func parseEndpoint(_ text: String, defaultPort: UInt16) -> (host: String, port: UInt16)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, defaultPort) }
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let index = text.firstIndex(of: ":") {
            guard let port = UInt16(text[text.index(after: index)...]) else { return nil }
            return (String(text[..<index]), port)
        }
        return text.isEmpty ? nil : (text, defaultPort)
    }
}
