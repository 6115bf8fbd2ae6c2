import Foundation

/// What the policies decide on: the few facts of a verified proof that, with the clock,
/// settle whether a target may serve it and when to refresh it. A `VerifiedStaple` has them;
/// so does a `VerifiedRecord` in the state, which lets a fresh staple be judged without
/// parsing or verifying it again.
public struct StapleFacts: Sendable, Hashable {
    public var status: CertStatus
    public var thisUpdate: Date
    public var nextUpdate: Date?
    /// min(nextUpdate, delegated signer notAfter, leaf notAfter).
    public var effectiveExpiry: Date
    public var expiryLimit: VerifiedStaple.ExpiryLimit
    /// Our SingleResponse's position; GnuTLS (Exim) only looks at the first.
    public var singleIndex: Int
    public var singleResponseCount: Int
    public var certIDHashAlgorithm: String
    /// The `assume-validity` the expiry was derived under, when the proof has no nextUpdate.
    public var assumedValidity: TimeInterval? = nil

    /// Halfway through the effective validity.
    public var halfLife: Date {
        thisUpdate.addingTimeInterval(effectiveExpiry.timeIntervalSince(thisUpdate) / 2)
    }
}

extension VerifiedStaple {
    public var facts: StapleFacts {
        StapleFacts(
            status: status, thisUpdate: thisUpdate, nextUpdate: single.nextUpdate, effectiveExpiry: effectiveExpiry,
            expiryLimit: expiryLimit, singleIndex: singleIndex, singleResponseCount: basic.responses.count,
            certIDHashAlgorithm: single.certID.hashAlgorithm, assumedValidity: assumedValidity)
    }
}

extension StapleFacts {
    /// "effective expiry …", and for a proof without nextUpdate what ocspd assumed, as the
    /// refresh's log line shows it.
    public var expiryText: String {
        let expiry = "effective expiry \(RFC3339.string(effectiveExpiry))"
        guard nextUpdate == nil else { return expiry }
        return expiry + " (\(Self.noNextUpdateText(assumedValidity: assumedValidity, thisUpdate: thisUpdate)))"
    }

    /// "nextUpdate: none (assumed valid 12h, until …)": what `inspect` and the log say.
    public static func noNextUpdateText(assumedValidity: TimeInterval?, thisUpdate: Date) -> String {
        guard let assumedValidity else { return "nextUpdate: none" }
        let until = RFC3339.string(thisUpdate.addingTimeInterval(assumedValidity))
        return "nextUpdate: none (assumed valid \(DurationText.describe(assumedValidity)), until \(until))"
    }
}
