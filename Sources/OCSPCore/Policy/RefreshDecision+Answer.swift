import Foundation

/// A verified answer from a responder, as the decision sees it.
public struct AnswerFacts: Sendable, Hashable {
    public var proof: ProofFacts
    /// The bytes that would be written (the response with any signer embedded).
    public var size: Int
    /// The file in place holds exactly those bytes.
    public var sameBytesOnDisk: Bool

    public init(proof: ProofFacts, size: Int, sameBytesOnDisk: Bool = false) {
        self.proof = proof
        self.size = size
        self.sameBytesOnDisk = sameBytesOnDisk
    }
}

extension RefreshDecision {
    /// What to do with one verified answer.
    public enum AfterAnswer: Equatable, Sendable {
        /// Put it in place; a revoked proof ends the refresh as `.revoked`. `sizeWarning`: the
        /// generic target gets a proof over the size limit, with a warning.
        case write(revoked: Bool, sizeWarning: StapleTooLarge?)
        /// The file already holds these bytes.
        case identical
        /// The file holds a newer proof: keep it (never downgrade).
        case keepNewer
        /// The certificate is revoked but this proof is not put in place: report the
        /// revocation (exit 3) with the fetched proof (`withFetchedProof`) or the one on disk,
        /// removing Exim's good staple first (`removeGoodStaple`).
        case reportRevoked(StapleReplacement.Refusal, withFetchedProof: Bool, removeGoodStaple: Bool)
        /// Refused: count it as this responder's failure and ask the next.
        case tryNext(StapleReplacement.Refusal)
    }

    /// - Parameters:
    ///   - onDisk: the file in place as judged before the request; `onDiskSize` its size.
    ///   - revocationSeen: a final revocation of this certificate is known (a record, this
    ///     process's memory, an older ocspd's list, or this very answer).
    public static func afterAnswer(
        _ answer: AnswerFacts, onDisk: OnDiskFacts, onDiskSize: Int?, revocationSeen: Bool, policy: TargetPolicy, at now: Date
    ) -> AfterAnswer {
        let replacement = StapleReplacement.decide(
            fetched: answer.proof, size: answer.size, onDisk: onDisk, onDiskSize: onDiskSize, sameBytesOnDisk: answer.sameBytesOnDisk,
            revocationSeen: revocationSeen, policy: policy, at: now)
        let revoked = answer.proof.status.isRevoked
        switch replacement {
        case .write:
            let verdict = StapleSizeLimit.verdict(size: answer.size, target: policy.target)
            if case .warning(let tooLarge) = verdict { return .write(revoked: revoked, sizeWarning: tooLarge) }
            return .write(revoked: revoked, sizeWarning: nil)
        case .identical: return .identical
        case .keepNewer: return .keepNewer
        case .refuse(let refusal):
            // The target may not serve the revoked proof (Exim), or the responder claims an
            // un-revocation: either way the good staple must not stay.
            guard revoked || refusal == .goodAfterRevoked else { return .tryNext(refusal) }
            return .reportRevoked(refusal, withFetchedProof: revoked, removeGoodStaple: servesGoodToExim(onDisk, policy: policy))
        }
    }

    /// Exim with a revoked certificate: a good proof on disk would tell clients a lie.
    static func servesGoodToExim(_ onDisk: OnDiskFacts, policy: TargetPolicy) -> Bool {
        guard policy.target == .exim, let proof = onDisk.validProof else { return false }
        return !proof.status.isRevoked
    }
}
