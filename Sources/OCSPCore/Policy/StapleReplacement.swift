import Foundation

/// Whether a freshly fetched, verified proof replaces the file on disk. Pure.
public enum StapleReplacement {
    public enum Decision: Equatable, Sendable {
        /// Put the new proof in place.
        case write
        /// The file already holds these very bytes: do not rewrite it.
        case identical
        /// The file holds a newer proof for this certificate: keep it (never downgrade).
        case keepNewer
        /// The new proof may not be served; the reason says why.
        case refuse(Refusal)
    }

    public enum Refusal: Equatable, Sendable, CustomStringConvertible {
        /// Baseline Requirements forbid un-revoking: a "good" after a seen "revoked" is a responder bug or an attack.
        case goodAfterRevoked
        case target(TargetRefusal)
        /// Clients would fail the handshake on it (`StapleSizeLimit`).
        case tooLarge(StapleTooLarge)

        public var description: String {
            switch self {
            case .goodAfterRevoked:
                return
                    "the responder now says good, but a valid revoked proof for this certificate was seen before; revocation is final, so the good proof is refused"
            case .target(let refusal):
                return refusal.description
            case .tooLarge(let tooLarge):
                return tooLarge.description
            }
        }
    }

    /// - Parameters:
    ///   - fetchedBytes: what would be written (the response with any signer embedded).
    ///   - revocationSeen: a final revocation of this certificate was seen before (a verified
    ///     record; never a hold).
    public static func decide(
        fetched: VerifiedStaple,
        fetchedBytes: [UInt8],
        onDisk: StapleOnDisk,
        onDiskBytes: [UInt8]?,
        revocationSeen: Bool,
        policy: TargetPolicy,
        at now: Date
    ) -> Decision {
        decide(
            fetched: ProofFacts(fetched),
            size: fetchedBytes.count,
            onDisk: onDisk.facts,
            onDiskSize: onDiskBytes?.count,
            sameBytesOnDisk: onDiskBytes == fetchedBytes,
            revocationSeen: revocationSeen,
            policy: policy,
            at: now)
    }

    /// The rule on facts alone: `size` is what would be written, `onDiskSize` the size of the
    /// file in place (nil when it could not be read), `sameBytesOnDisk` whether it holds
    /// exactly those bytes.
    public static func decide(
        fetched: ProofFacts,
        size: Int,
        onDisk: OnDiskFacts,
        onDiskSize: Int?,
        sameBytesOnDisk: Bool,
        revocationSeen: Bool,
        policy: TargetPolicy,
        at now: Date
    ) -> Decision {
        let existing = onDisk.validProof
        // A hold in place is not final: a good proof newer than it (the CA lifted the hold)
        // replaces it, an older one does not (compared below like any two proofs).
        if fetched.status == .good, revocationSeen || existing?.status.isFinalRevocation == true {
            return .refuse(.goodAfterRevoked)
        }
        if let refusal = policy.refusal(of: fetched.facts, at: now) {
            return .refuse(.target(refusal))
        }
        if case .refused(let tooLarge) = StapleSizeLimit.verdict(size: size, target: policy.target) {
            return .refuse(.tooLarge(tooLarge))
        }
        if sameBytesOnDisk {
            return .identical
        }
        // A staple on disk that breaks handshakes is no reason to keep it, however new.
        let onDiskTooLarge = onDiskSize.map { StapleSizeLimit.refuses(size: $0, target: policy.target) } ?? false
        guard let existing, !onDiskTooLarge, policy.refusal(of: existing.facts, at: now) == nil else { return .write }
        // A revocation replaces a good proof whatever the order of their thisUpdates: nothing
        // undoes it. A hold is compared as proofs are: an older hold is not today's status.
        if fetched.status.isFinalRevocation && !existing.status.isFinalRevocation { return .write }
        if existing.status.isFinalRevocation && !fetched.status.isFinalRevocation { return .keepNewer }
        if isNewer(existing, than: fetched) { return .keepNewer }
        return .write
    }

    /// Later thisUpdate wins; on a tie, later producedAt.
    static func isNewer(_ a: ProofFacts, than b: ProofFacts) -> Bool {
        if a.facts.thisUpdate != b.facts.thisUpdate { return a.facts.thisUpdate > b.facts.thisUpdate }
        return a.producedAt > b.producedAt
    }
}
