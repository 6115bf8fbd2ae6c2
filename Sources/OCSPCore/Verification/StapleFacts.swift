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
            certIDHashAlgorithm: single.certID.hashAlgorithm)
    }
}
