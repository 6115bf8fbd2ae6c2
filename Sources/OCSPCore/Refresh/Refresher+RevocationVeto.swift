import Foundation

/// A verified revocation record vetoes "good" wherever a staple is judged without the lock
/// (another process holds it, or the state folder cannot be used): the exit code is 3 and the
/// log says REVOKED, whatever proof is in place. Nothing is written, removed or copied here:
/// that is for a refresh holding the lock (Exim's good staple is removed then).
extension Refresher {
    /// The verified revoked proof a record of the pending refresh's certificate holds, if any.
    /// The ledger is read only when a file is at a record name (`mayHoldRecord`).
    func revocationOnRecord(_ pending: PendingRefresh) -> VerifiedStaple? {
        guard let issuer = localIssuer(pending) else { return nil }
        let subject = StapleSubject(leaf: pending.chain.leaf, issuer: issuer)
        let ledger = RevocationLedger(stateDirectory: stateStore.directory, outputPath: pending.job.outputPath)
        guard ledger.mayHoldRecord(named: RevocationLedger.certificateName(subject)) else { return nil }
        let reading = ledger.read(subject)
        reportRejected(reading.rejected, of: subject)
        guard let evidence = reading.evidence else { return nil }
        return try? RevocationEvidence.verify(evidence.bytes, for: subject).get()
    }

    /// Another process holds the lock: a certificate known revoked is reported so at once
    /// (exit 3), before the staple in place is judged or the holder waited for.
    func revokedWhileTheLockIsHeld(_ pending: PendingRefresh) -> Refreshed? {
        guard let revoked = revocationOnRecord(pending) else { return nil }
        let job = pending.job
        let outcome = revokedWithoutTheLock(
            revoked, pending: pending, because: "another process holds the lock \(stateStore.lockPath(for: job.outputPath))")
        let leaf = LeafIdentity(pending.chain.leaf)
        return Refreshed(outcome: report(outcome, job: job, leaf: leaf, nextAttempt: nil, at: now()), nextAttempt: nil)
    }

    /// The outcome for a certificate known revoked, judged without the lock because of `why`.
    func revokedWithoutTheLock(_ proof: VerifiedStaple, pending: PendingRefresh, because why: String) -> RefreshOutcome {
        logger.warning(
            "\(pending.job.outputPath): \(why); the file is left as it is until a refresh that holds its lock acts on the revocation of \(pending.chain.leaf)"
        )
        return .revoked(proof, written: false, removed: false)
    }
}
