import Foundation
import Logging

/// After a refresh: run the hook if the file changed (the schedule is `RefreshSchedule.record`),
/// `on-revoked` once per revoked certificate, and note the `on-failure` event it raises.
extension Refresher {
    /// Every hook of a refresh made under the lock, its state saved.
    func runHooks(after outcome: RefreshOutcome, pending: PendingRefresh, state: StapleState, at moment: Date) {
        runHook(after: outcome, job: pending.job)
        if outcome.exitCode == ExitStatus.revoked { runRevokedHookOnce(pending) }
        noteFailureEvent(after: outcome, pending: pending, state: state, at: moment)
    }

    /// Raises the `on-failure` event `FailureEvents` decides on, for the round's end
    /// (`deliverEvents`); the state changes only once it is delivered.
    private func noteFailureEvent(after outcome: RefreshOutcome, pending: PendingRefresh, state: StapleState, at moment: Date) {
        let job = pending.job
        guard let hook = job.events.onFailure else { return }
        let facts = FailureEvents.Facts(
            alert: state.alert ?? FailureAlert(), result: FailureEvents.Result(outcome), consecutiveFailures: state.consecutiveFailures,
            stapleInPlace: outcome.factsInPlace)
        let timing = pending.chain.leaf.mustStaple ? job.timing.forMustStaple : job.timing
        guard let event = FailureEvents.decide(facts, settings: job.events.failure, timing: timing, at: moment) else { return }
        logger.info("\(job.outputPath): on-failure event \(event.kind.rawValue) (\(event.reason.rawValue)), run at the end of this round")
        events.add(
            EventNotice(
                event: event, hook: hook, output: job.outputPath, chain: job.chainPath, url: pending.urls.first ?? "",
                failures: state.consecutiveFailures, expiry: outcome.factsInPlace?.effectiveExpiry))
    }

    /// `on-revoked`, once per certificate across outputs, processes and restarts: the
    /// certificate's revocation records are marked (fsynced) before it starts, so a crash
    /// between the two errs on not running it again. Without a record to mark (none could be
    /// written, or the revocation is a hold, which is never recorded) it does not run.
    private func runRevokedHookOnce(_ pending: PendingRefresh) {
        let job = pending.job
        guard let hook = job.events.onRevoked, let issuer = localIssuer(pending) else { return }
        let subject = StapleSubject(leaf: pending.chain.leaf, issuer: issuer)
        let ledger = RevocationLedger(stateDirectory: stateStore.directory, outputPath: job.outputPath)
        // Two processes refreshing two outputs of the certificate at once: one marks and runs,
        // the other finds the lock held (it is being run) or, after it, the mark.
        guard let lock = try? OutputLock.acquire(lockFile: ledger.hookLockPath(for: subject)) else { return }
        withExtendedLifetime(lock) { markAndRunRevokedHook(hook, subject: subject, ledger: ledger, job: job) }
    }

    private func markAndRunRevokedHook(_ hook: Hook, subject: StapleSubject, ledger: RevocationLedger, job: RefreshJob) {
        let reading = ledger.read(subject)
        guard !reading.hookStarted, let evidence = reading.evidence, evidence.record != nil,
            case .success(let proof) = RevocationEvidence.verify(evidence.bytes, for: subject)
        else { return }
        let marked = ledger.markHookStarted(for: subject, where: reading, at: now())
        guard let record = marked.written.first else {
            let failures = marked.failures.map(\.description).joined(separator: "; ")
            logger.error(
                "the on-revoked hook for \(subject.leaf) was not started: its revocation record could not be marked (\(failures)), and an unmarked hook could run again"
            )
            return
        }
        let environment = HookEnvironment.revoked(job: job, subject: subject, status: proof.status, record: record)
        RoundLookups.current?.syncWrittenFolders()
        let result = HookRunner.run(hook, environment: environment, cancellation: cancellation, log: { logger.warning("\($0)") })
        guard result != .succeeded else { return logger.notice("the on-revoked hook for \(subject.leaf) ran") }
        log(result, of: hook, named: "on-revoked hook", for: job.outputPath)
        logger.error(
            "the on-revoked hook for \(subject.leaf) did not succeed and is not run again (\(record) is marked); act on the revocation by hand: \(hook.arguments.joined(separator: " "))"
        )
    }

    /// The hook runs only when the file changed: written or removed.
    func runHook(after outcome: RefreshOutcome, job: RefreshJob) {
        guard let hook = job.hook, !hook.arguments.isEmpty else { return }
        let change: (status: String, expiry: Date?)
        switch outcome {
        case .stapled(let staple, _): change = ("good", staple.effectiveExpiry)
        case .revoked(let staple, written: true, _): change = ("revoked", staple?.effectiveExpiry)
        case .revoked(_, written: false, removed: true): change = ("removed", nil)
        case .failed(_, _, removed: .some): change = ("removed", nil)
        default: return
        }
        // What the hook acts on (a server's reload reading the staple) survives a power cut.
        RoundLookups.current?.syncWrittenFolders()
        let result = HookRunner.run(
            hook, environment: HookRunner.environment(job: job, status: change.status, effectiveExpiry: change.expiry),
            cancellation: cancellation, log: { logger.warning("\($0)") })
        log(result, of: hook, named: "hook", for: job.outputPath)
    }

    private func log(_ result: HookRunner.Result, of hook: Hook, named name: String, for output: String) {
        let command = hook.arguments.joined(separator: " ")
        switch result {
        case .succeeded: logger.debug("\(name) for \(output) succeeded: \(command)")
        case .failed(let status): logger.error("the \(name) for \(output) exited \(status): \(command); the staple stays as written")
        case .timedOut:
            logger.error("the \(name) for \(output) did not finish within \(Int(hook.timeout)) s and was stopped: \(command)")
        case .couldNotStart(let reason): logger.error("the \(name) for \(output) could not start: \(reason): \(command)")
        case .stoppedAtShutdown, .notStartedAtShutdown:
            logger.error("\(HookRunner.shutdownMessage(result, output: output, command: command))")
        }
    }
}
