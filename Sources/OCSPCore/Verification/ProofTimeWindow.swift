import Foundation

/// The time checks on a proof and its effective expiry, in one place: the verifier runs them
/// on every proof, a `VerifiedRecord` runs them again on the dates it kept, and `inspect`
/// derives the expiry of a proof it could not verify. A pure function of the dates and `now`.
///
/// The checks come in three stages because the verifier interleaves them with checks that
/// are not about time (which answer is ours, the nonce, an unknown status), and the order
/// decides which failure an operator is shown; `verdict(at:)` runs all three in that order.
public struct ProofTimeWindow: Sendable, Hashable {
    public var thisUpdate: Date
    public var nextUpdate: Date?
    public var signerNotBefore: Date
    public var signerNotAfter: Date
    /// Nil when no certificate is known, only its issuer (`inspect --issuer`), and when a
    /// recorded expiry already holds it (`VerifiedRecord`).
    public var leafNotAfter: Date?
    /// How long after thisUpdate a proof without nextUpdate is taken to be valid
    /// (`assume-validity`). RFC 6960 §4.2.2.1 lets a responder omit nextUpdate ("newer
    /// information is always available"); clients then judge by thisUpdate alone.
    public var assumedValidity: TimeInterval

    public init(
        thisUpdate: Date, nextUpdate: Date?, signerNotBefore: Date, signerNotAfter: Date, leafNotAfter: Date?,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) {
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.signerNotBefore = signerNotBefore
        self.signerNotAfter = signerNotAfter
        self.leafNotAfter = leafNotAfter
        self.assumedValidity = assumedValidity
    }

    /// The moment clients stop accepting the proof, and which date set it.
    public struct Expiry: Sendable, Hashable {
        public var date: Date
        public var limit: VerifiedStaple.ExpiryLimit
    }

    /// A time check the proof fails.
    public enum Failure: Error, Sendable, Hashable {
        case signerNotYetValid(notBefore: Date)
        case signerExpired(notAfter: Date)
        case thisUpdateInFuture(Date)
        case nextUpdateNotAfterThisUpdate(thisUpdate: Date, nextUpdate: Date)
        case leafExpired(Date)
        case expired(Date)

        /// The verifier's failure, naming the signer as `signer`.
        func verificationFailure(signer: String) -> VerificationFailure {
            switch self {
            case .signerNotYetValid(let notBefore): return .signerNotYetValid(signer: signer, notBefore: notBefore)
            case .signerExpired(let notAfter): return .signerExpired(signer: signer, notAfter: notAfter)
            case .thisUpdateInFuture(let date): return .thisUpdateInFuture(date)
            case .nextUpdateNotAfterThisUpdate(let thisUpdate, let nextUpdate):
                return .nextUpdateNotAfterThisUpdate(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
            case .leafExpired(let date): return .leafExpired(date)
            case .expired(let date): return .expired(date)
            }
        }
    }

    /// Every check in the verifier's order, then the effective expiry. A delegated signer's
    /// notAfter bounds the proof; the issuer's own does not (a client checks the issuer
    /// through the chain), though its validity is checked all the same.
    public func verdict(at now: Date, signerIsDelegated: Bool) -> Result<Expiry, Failure> {
        if let failure = signerFailure(at: now) ?? proofFailure(at: now) { return .failure(failure) }
        return expiry(at: now, signerIsDelegated: signerIsDelegated)
    }

    /// The same checks for a proof verified before, against the expiry derived then
    /// (`VerifiedRecord` keeps it, and with it the leaf's and a delegated signer's notAfter).
    public func verdict(at now: Date, derivedExpiry: Expiry) -> Result<Expiry, Failure> {
        if let failure = signerFailure(at: now) ?? proofFailure(at: now) { return .failure(failure) }
        return Self.check(derivedExpiry, at: now)
    }

    /// Stage one: the signer's certificate is valid at `now`.
    func signerFailure(at now: Date) -> Failure? {
        Self.signerFailure(notBefore: signerNotBefore, notAfter: signerNotAfter, at: now)
    }

    /// Stage one on the signer's dates alone, as the verifier runs it before it knows which
    /// answer in the response is ours.
    static func signerFailure(notBefore: Date, notAfter: Date, at now: Date) -> Failure? {
        if now < notBefore { return .signerNotYetValid(notBefore: notBefore) }
        if now > notAfter { return .signerExpired(notAfter: notAfter) }
        return nil
    }

    /// Stage two: thisUpdate is not ahead beyond the skew allowance, nextUpdate (when present)
    /// is after thisUpdate, and the certificate itself has not expired.
    func proofFailure(at now: Date) -> Failure? {
        if thisUpdate > now.addingTimeInterval(StapleVerifier.clockSkewAllowance) { return .thisUpdateInFuture(thisUpdate) }
        if let nextUpdate, nextUpdate <= thisUpdate {
            return .nextUpdateNotAfterThisUpdate(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }
        if let leafNotAfter, now > leafNotAfter { return .leafExpired(leafNotAfter) }
        return nil
    }

    /// Stage three: the effective expiry, which must lie after `now`.
    func expiry(at now: Date, signerIsDelegated: Bool) -> Result<Expiry, Failure> {
        let expiry = Self.effectiveExpiry(
            proofStale: proofStale, delegatedSignerNotAfter: signerIsDelegated ? signerNotAfter : nil, leafNotAfter: leafNotAfter)
        return Self.check(expiry, at: now)
    }

    /// When the proof itself goes stale: its nextUpdate, or without one thisUpdate plus the
    /// assumed validity.
    public var proofStale: Expiry {
        Self.proofStale(thisUpdate: thisUpdate, nextUpdate: nextUpdate, assumedValidity: assumedValidity)
    }

    public static func proofStale(thisUpdate: Date, nextUpdate: Date?, assumedValidity: TimeInterval) -> Expiry {
        guard let nextUpdate else { return Expiry(date: thisUpdate.addingTimeInterval(assumedValidity), limit: .assumedValidity) }
        return Expiry(date: nextUpdate, limit: .nextUpdate)
    }

    private static func check(_ expiry: Expiry, at now: Date) -> Result<Expiry, Failure> {
        now >= expiry.date ? .failure(.expired(expiry.date)) : .success(expiry)
    }

    /// min(nextUpdate, delegated signer notAfter, leaf notAfter): past it, clients refuse the
    /// proof. On a tie the earlier-named date is the limit.
    public static func effectiveExpiry(nextUpdate: Date, delegatedSignerNotAfter: Date?, leafNotAfter: Date?) -> Expiry {
        effectiveExpiry(
            proofStale: Expiry(date: nextUpdate, limit: .nextUpdate), delegatedSignerNotAfter: delegatedSignerNotAfter,
            leafNotAfter: leafNotAfter)
    }

    /// The same with the proof's own end given as `proofStale` (nextUpdate, or the assumed
    /// validity's end): the signer's and the leaf's notAfter still cap it.
    public static func effectiveExpiry(proofStale: Expiry, delegatedSignerNotAfter: Date?, leafNotAfter: Date?) -> Expiry {
        var expiry = proofStale
        if let delegatedSignerNotAfter, delegatedSignerNotAfter < expiry.date {
            expiry = Expiry(date: delegatedSignerNotAfter, limit: .signerNotAfter)
        }
        if let leafNotAfter, leafNotAfter < expiry.date {
            expiry = Expiry(date: leafNotAfter, limit: .leafNotAfter)
        }
        return expiry
    }
}
