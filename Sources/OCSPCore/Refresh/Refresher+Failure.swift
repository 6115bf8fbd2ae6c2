import Foundation
import Logging

/// No acceptable new proof: the target's removal rule, then the outcome (`RefreshDecision`).
extension Refresher {
    func fail(_ error: RefreshError, _ refresh: inout LockedRefresh) -> RefreshOutcome {
        let output = refresh.job.outputPath
        let plan = RefreshDecision.whenNothingReplaces(onDisk: refresh.onDisk.facts, policy: refresh.policy, at: refresh.now)
        var removed: RemovalReason? = nil
        if let reason = plan.removal, removeStaple(refresh.job) { removed = reason }
        if plan.foreignStapleStays {
            logger.error(
                "\(output) holds a staple for another certificate (the one before a renewal?). It stays, because nginx cannot reload without the file, but nginx will staple a proof clients reject until ocspd can fetch one for the new certificate."
            )
        }
        let verdict = RefreshDecision.afterFailure(
            onDisk: refresh.onDisk.facts, removed: removed != nil, knownRevoked: refresh.revocation.isRevoked, policy: refresh.policy,
            at: refresh.now)
        switch verdict {
        case .revoked(let revokedProofInPlace):
            logger.error("refresh of \(output) failed: \(error)")
            let inPlace = revokedProofInPlace ? refresh.onDisk.validStaple : nil
            return .revoked(inPlace, written: inPlace != nil, removed: removed != nil)
        case .failed(let stapleStays):
            return .failed(error, stapleOnDisk: stapleStays ? refresh.onDisk.validStaple : nil, removed: removed)
        }
    }
}
