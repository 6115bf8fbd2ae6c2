import Foundation
import Logging

/// Revocations through the `RevocationLedger`: read before deciding, written before acting.
extension Refresher {
    /// Everything known about the revocation of `subject` before a refresh decides anything:
    /// the ledger (kept apart from the state, so neither a full disk, a corrupt state file nor
    /// another --state-dir forgets one), the state's own list (older versions kept them only
    /// there), and a revoked proof already in place. What the ledger lacks is recorded now,
    /// before anything acts. Returns whether a good proof must be refused.
    func settleRevocations(of subject: StapleSubject, onDisk: StapleOnDisk, ledger: RevocationLedger,
                           state: inout StapleState, at moment: Date) -> Bool {
        let known = knownRevocation(of: subject, ledger: ledger, state: &state)
        if let staple = onDisk.validStaple, staple.status.isRevoked {
            state.recordRevocation(of: subject)
        }
        guard state.hasSeenRevocation(of: subject) else { return known }
        learnRevocation(of: subject, ledger: ledger, at: moment)
        return true
    }

    /// Whether the ledger says `subject` is revoked. A record that cannot be read counts as a
    /// revocation (a good proof is never written on a guess) and is reported.
    private func knownRevocation(of subject: StapleSubject, ledger: RevocationLedger, state: inout StapleState) -> Bool {
        let knowledge = ledger.knowledge(of: subject)
        switch knowledge {
        case .notRevoked:
            return false
        case .revoked:
            state.recordRevocation(of: subject)
        case .revokedUnrecorded:
            // Into the state too, so that recording it is tried again below.
            state.recordRevocation(of: subject)
            logger.error("\(subject.leaf) was seen revoked earlier in this process, but no record of it could be written; no good proof is written for it until one can")
        case .unreadable(let record, let reason):
            logger.error("the revocation record \(record) cannot be read (\(reason)); until it can, no good proof is written for \(subject.leaf)")
        }
        return true
    }

    /// Records the revocation of `subject` in the ledger (fsynced) before anything acts on it.
    /// When no record can be written at all, the revocation is still acted on (a revoked
    /// certificate gets no good staple either way), and this process refuses good proofs for it.
    func learnRevocation(of subject: StapleSubject, ledger: RevocationLedger, at moment: Date) {
        let recorded = ledger.record(subject, seenAt: moment)
        let failures = recorded.failures.map(\.description).joined(separator: "; ")
        if !recorded.isDurable {
            logger.critical("could not record the revocation of \(subject.leaf) anywhere: \(failures). Until a record can be written (free space in the state folder or the staple's folder), no good proof is written for it by this process, but another run may not know: fix this now")
        } else if !recorded.failures.isEmpty {
            logger.warning("the revocation of \(subject.leaf) is recorded in \(recorded.written.joined(separator: ", ")), but not everywhere: \(failures)")
        }
    }
}
