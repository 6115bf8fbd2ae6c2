import Foundation

/// Another process holds the output's lock. Usually another ocspd refreshing the same staple
/// (a cron run beside the daemon); but the lock lives in the staple's folder, so anyone who
/// can open it there can hold it forever. Either way the exit code must stay truthful: the
/// staple on disk is judged, as for an unusable state folder, and "nothing done" is exit 0
/// only when a valid staple is in place.
extension Refresher {
    /// - Parameter waits: the run's window for waiting on held locks; a refresh of its own
    ///   (`refresh --output`) has one to itself.
    func lockHeldByAnother(_ pending: PendingRefresh, waits: LockWaitBudget = LockWaitBudget()) -> Refreshed {
        let job = pending.job
        let staple = servableStapleOnDisk(pending, at: now()) ?? judgedAfterTheHolder(pending, waits: waits)
        let outcome = RefreshOutcome.lockHeld(lock: stateStore.lockPath(for: job.outputPath), stapleOnDisk: staple)
        let leaf = LeafIdentity(pending.chain.leaf)
        return Refreshed(outcome: report(outcome, job: job, leaf: leaf, nextAttempt: nil, at: now()), nextAttempt: nil)
    }

    /// The staple judged once the holder lets go of the lock (taken briefly, so that the file
    /// is not read half-way through its replacement), or without the lock when the run's
    /// window for waiting has passed or the holder is not worth waiting for (`LockHolder`).
    /// No refresh is made in its place: the holder just made one.
    private func judgedAfterTheHolder(_ pending: PendingRefresh, waits: LockWaitBudget) -> VerifiedStaple? {
        let output = pending.job.outputPath
        let owner = OutputLock.owner(for: output)
        guard LockHolder.worthWaitingFor(lockOwner: owner) else {
            return judgedAtOnce(pending, because: .holderNotTrusted(owner: owner))
        }
        let deadline = waits.deadline(forWaitAt: monotonic())
        guard monotonic() < deadline else { return judgedAtOnce(pending, because: .budgetSpent(seconds: waits.seconds)) }
        logger.info(
            "\(output): waiting up to \(Int(waits.seconds)) s (one window per run) for the holder of \(stateStore.lockPath(for: output))")
        while monotonic() < deadline, cancellation?.isCancelled != true {
            usleep(100_000)
            let attempt: StapleLock?
            do {
                attempt = try stateStore.lock(for: output)
            } catch {
                break
            }
            if let lock = attempt {
                return withExtendedLifetime(lock) { servableStapleOnDisk(pending, at: now()) }
            }
        }
        return servableStapleOnDisk(pending, at: now())
    }

    private func judgedAtOnce(_ pending: PendingRefresh, because reason: LockNotWaitedFor) -> VerifiedStaple? {
        logger.notice("\(pending.job.outputPath): \(stateStore.lockPath(for: pending.job.outputPath)) is held: \(reason)")
        return servableStapleOnDisk(pending, at: now())
    }
}
