import Foundation
import Logging
import Synchronization

/// Revocations through the `RevocationLedger`: read before deciding, written before acting.
extension Refresher {
    /// Everything known about the revocation of `subject` before a refresh decides anything:
    /// the ledger's verified records (kept apart from the state, so neither a full disk, a
    /// corrupt state file nor another --state-dir forgets one), a revoked proof already in
    /// place, and the list of a believed state file (older versions kept them only there).
    /// Verified evidence the ledger lacks somewhere is recorded there now, before anything acts.
    func settleRevocations(
        of subject: StapleSubject, onDisk: StapleOnDisk, ledger: RevocationLedger,
        state: inout StapleState, at moment: Date
    ) -> RevocationBelief {
        let reading = ledger.read(subject)
        reportRejected(reading.rejected, of: subject)
        var evidence = reading.evidence?.bytes
        if evidence == nil, let staple = onDisk.validStaple, staple.status.isRevoked {
            evidence = RevocationEvidence.record(of: staple, for: subject, seenAt: moment, while: ledger.outputPath)
        }
        guard let evidence else {
            guard state.hasSeenRevocation(of: subject) else { return .notRevoked }
            logger.warning(
                "the state of \(ledger.outputPath) lists \(subject.leaf) as revoked (written by an older ocspd), but no record holds the revoked proof; no good proof is written for it, and the responder is asked now for the proof"
            )
            return .unproven
        }
        state.recordRevocation(of: subject)
        if let remembered = reading.evidence, remembered.record == nil {
            logger.error(
                "\(subject.leaf) was seen revoked earlier in this process, but no record of it could be written; no good proof is written for it until one can"
            )
        }
        if !reading.lacking.isEmpty { report(ledger.record(evidence, for: subject, where: reading), of: subject) }
        return .proven
    }

    /// Records the revocation `staple` proves in the ledger (fsynced) before anything acts on
    /// it. When no record can be written at all, the revocation is still acted on (a revoked
    /// certificate gets no good staple either way), and this process refuses good proofs for it.
    func learnRevocation(from staple: VerifiedStaple, of subject: StapleSubject, ledger: RevocationLedger, at moment: Date) {
        guard let evidence = RevocationEvidence.record(of: staple, for: subject, seenAt: moment, while: ledger.outputPath) else { return }
        let reading = ledger.read(subject)
        guard !reading.lacking.isEmpty else { return }
        report(ledger.record(evidence, for: subject, where: reading), of: subject)
    }

    private func report(_ recorded: RevocationLedger.Recorded, of subject: StapleSubject) {
        let failures = recorded.failures.map(\.description).joined(separator: "; ")
        if !recorded.isDurable {
            logger.critical(
                "could not record the revocation of \(subject.leaf) anywhere: \(failures). Until a record can be written (free space in the state folder or the staple's folder), no good proof is written for it by this process, but another run may not know: fix this now"
            )
        } else if !recorded.failures.isEmpty {
            logger.warning(
                "the revocation of \(subject.leaf) is recorded in \(recorded.written.joined(separator: ", ")), but not everywhere: \(failures)"
            )
        }
    }

    /// A file at a record's name that is no evidence: not a revocation. Said once per process
    /// and file (the daemon refreshes every few minutes), as an error, for a person to look at.
    func reportRejected(_ rejected: [(record: String, reason: String)], of subject: StapleSubject) {
        for (record, reason) in rejected where RejectedRecords.firstReport(of: record) {
            logger.error(
                "\(record) is not a valid revocation record of \(subject.leaf): \(reason). It is ignored (not a revocation, never copied); remove it"
            )
        }
    }
}

/// The rejected records already reported by this process.
enum RejectedRecords {
    private static let reported = Mutex<Set<String>>([])

    static func firstReport(of record: String) -> Bool {
        reported.withLock { $0.insert(record).inserted }
    }
}
