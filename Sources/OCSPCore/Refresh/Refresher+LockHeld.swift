import Foundation

/// Another process holds the output's lock. Usually another ocspd refreshing the same staple
/// (a cron run beside the daemon); but the lock lives in the staple's folder, so anyone who
/// can open it there can hold it forever. Either way the exit code must stay truthful: the
/// staple on disk is judged, as for an unusable state folder, and "nothing done" is exit 0
/// only when a valid staple is in place.
extension Refresher {
    /// How long a refresh finding no valid staple waits for the lock's holder to finish: a
    /// refresh by another ocspd at the same moment (the first run of a new staple) is done
    /// within this in the common case, and its proof then counts. A holder still at it after
    /// this is slow (its result shows in the next run) or holding the lock without writing.
    static let lockWait: TimeInterval = 5

    func lockHeldByAnother(_ pending: PendingRefresh) -> Refreshed {
        let job = pending.job
        let staple = servableStapleOnDisk(pending) ?? judgedAfterTheHolder(pending)
        let outcome = RefreshOutcome.lockHeld(lock: stateStore.lockPath(for: job.outputPath), stapleOnDisk: staple)
        return Refreshed(outcome: report(outcome, job: job, leaf: LeafIdentity(pending.chain.leaf), nextAttempt: nil), nextAttempt: nil)
    }

    /// The staple judged once the holder lets go of the lock (taken briefly, so that the file
    /// is not read half-way through its replacement), or without the lock after `lockWait`.
    /// No refresh is made in its place: the holder just made one.
    private func judgedAfterTheHolder(_ pending: PendingRefresh) -> VerifiedStaple? {
        let deadline = MonotonicClock.seconds() + Self.lockWait
        while MonotonicClock.seconds() < deadline, cancellation?.isCancelled != true {
            usleep(100_000)
            let attempt: StapleLock?
            do {
                attempt = try stateStore.lock(for: pending.job.outputPath)
            } catch {
                break
            }
            if let lock = attempt {
                return withExtendedLifetime(lock) { servableStapleOnDisk(pending) }
            }
        }
        return servableStapleOnDisk(pending)
    }
}
