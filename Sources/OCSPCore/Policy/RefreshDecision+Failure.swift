import Foundation

extension RefreshDecision {
    /// What happens to the file when no acceptable new proof can be had.
    public struct NothingReplaces: Equatable, Sendable {
        /// Remove it, for this reason (the target's removal rule).
        public var removal: RemovalReason?
        /// nginx keeps a staple for another certificate (it cannot reload without the file),
        /// and the error says so loudly.
        public var foreignStapleStays: Bool
    }

    public static func whenNothingReplaces(onDisk: OnDiskFacts, policy: TargetPolicy, at now: Date) -> NothingReplaces {
        let foreignForNginx = onDisk == .foreign && policy.target == .nginx
        return NothingReplaces(removal: policy.removalReason(for: onDisk, at: now), foreignStapleStays: foreignForNginx)
    }

    /// How a refresh that got no acceptable proof ends.
    public enum AfterFailure: Equatable, Sendable {
        /// `.failed`; `stapleStays`: the proof on disk is still valid and servable (exit 1, not 2).
        case failed(stapleStays: Bool)
        /// The certificate is known revoked and no revoked proof of a final revocation is in
        /// place: exit 3, with the revoked proof (a hold) in place if there is one.
        case revoked(revokedProofInPlace: Bool)
    }

    /// - Parameter removed: whether the removal `whenNothingReplaces` asked for happened.
    public static func afterFailure(
        onDisk: OnDiskFacts, removed: Bool, knownRevoked: Bool, policy: TargetPolicy, at now: Date
    ) -> AfterFailure {
        var servable = onDisk.validProof
        if let staple = servable, removed || policy.refusal(of: staple.facts, at: now) != nil { servable = nil }
        // A good proof left in place for a certificate known revoked is no valid staple.
        if knownRevoked, servable?.status.isFinalRevocation != true {
            return .revoked(revokedProofInPlace: servable?.status.isRevoked == true)
        }
        return .failed(stapleStays: servable != nil)
    }
}
