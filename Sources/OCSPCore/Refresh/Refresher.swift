import Foundation
import Logging

/// Maintains one staple file: gathers the facts (the chain, the file on disk, the state, the
/// revocation records, the responders' answers), asks `RefreshDecision` what to do, and does
/// it (writes or removes the file, saves the state, logs, runs the hook). Only the transport,
/// the clocks, the random source and the file system reach the outside world; every decision
/// is a pure function in `Policy/`.
public struct Refresher: Sendable {
    public let transport: any HTTPTransport
    public let stateStore: StateStore
    /// The wall clock, read once per refresh (and once by the fast path) and passed down.
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Set at shutdown: a running hook is stopped (SIGTERM, then SIGKILL), none is started.
    public let cancellation: CancellationFlag?
    /// The clock of time budgets and waits: never stepped.
    public let monotonic: @Sendable () -> TimeInterval
    /// The schedule's jitter.
    public let random: RandomSource
    /// The `on-failure` events this refresher's refreshes raised, for `deliverEvents` at the round's end.
    public let events: RoundEvents
    /// The digests of the chains as the configuration's load just read them
    /// (`Configuration.chainDigestsAtLoad`), for one run right after the load: a fresh
    /// staple's chain is then not read again. Empty for a daemon's rounds.
    public var chainDigestsAtLoad: [PathKey: String] = [:]

    public init(
        transport: any HTTPTransport, stateStore: StateStore,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger, cancellation: CancellationFlag? = nil,
        monotonic: @escaping @Sendable () -> TimeInterval = MonotonicClock.seconds, random: RandomSource = .system,
        events: RoundEvents = RoundEvents()
    ) {
        self.events = events
        self.transport = transport
        self.cancellation = cancellation
        self.stateStore = stateStore
        self.now = now
        self.logger = logger
        self.monotonic = monotonic
        self.random = random
    }

    /// The same refresher over another transport.
    public func with(transport: any HTTPTransport) -> Refresher {
        var refresher = Refresher(
            transport: transport, stateStore: stateStore, now: now, logger: logger, cancellation: cancellation,
            monotonic: monotonic, random: random, events: events)
        refresher.chainDigestsAtLoad = chainDigestsAtLoad
        return refresher
    }

    public func refresh(_ job: RefreshJob) -> RefreshOutcome {
        switch prepare(job) {
        case .finished(let refreshed): return refreshed.outcome
        case .needsLock(let pending): return complete(pending).outcome
        }
    }

    /// Step one, with no lock and no network: reads the chain and, in the common case of a
    /// staple that is fresh, already scheduled and verified before byte for byte, answers at
    /// once. Checking thousands of fresh staples must cost a few file reads each, not a lock,
    /// X.509 parsing, signature checks and a state write.
    public func prepare(_ job: RefreshJob) -> RefreshStep {
        let chainSHA256: String
        let chain: CertificateChain
        let moment = now()
        // The chain as the load just read it, if it did: fresh then, it need not be read again.
        let digestAtLoad = chainDigestsAtLoad.isEmpty ? nil : chainDigestsAtLoad[PathKey(job.chainPath)]
        if let digestAtLoad, let fresh = freshFromRecord(job, chainSHA256: digestAtLoad, at: moment) {
            return finishedFresh(fresh, job: job, at: moment)
        }
        do {
            let chainBytes = try FileBytes.read(job.chainPath, maximum: CertificateChain.maximumFileSize)
                .mapError { ChainError.unreadable(path: job.chainPath, reason: $0) }.get()
            chainSHA256 = VerifiedRecord.digest(chainBytes)
            // Asked again only of other bytes than the load read.
            if chainSHA256 != digestAtLoad, let fresh = freshFromRecord(job, chainSHA256: chainSHA256, at: moment) {
                return finishedFresh(fresh, job: job, at: moment)
            }
            chain = try CertificateChain.parse(chainBytes, path: job.chainPath)
        } catch {
            let outcome = report(
                .failed(.chain(error), stapleOnDisk: nil, removed: nil), job: job, leaf: nil, nextAttempt: nil, at: moment)
            return .finished(Refreshed(outcome: outcome, nextAttempt: nil))
        }
        let leaf = chain.leaf
        let responderURLs = job.responderURL.map { [$0] } ?? leaf.ocspURLs.filter(FetchableURL.isAllowed)
        guard !responderURLs.isEmpty else {
            let others = leaf.ocspURLs.isEmpty ? "" : " (only non-HTTP ones: \(leaf.ocspURLs.joined(separator: ", ")))"
            logger.notice("nothing to staple: \(leaf) names no OCSP responder\(others); pass --responder URL if it has one")
            return .finished(Refreshed(outcome: .nothingToStaple(leaf), nextAttempt: nil))
        }
        return .needsLock(PendingRefresh(job: job, chain: chain, chainSHA256: chainSHA256, urls: responderURLs))
    }

    private func finishedFresh(_ fresh: (facts: StapleFacts, leaf: LeafIdentity, nextAttempt: Date), job: RefreshJob, at moment: Date)
        -> RefreshStep
    {
        let outcome = report(
            .unchanged(fresh.facts, reason: .fresh), job: job, leaf: fresh.leaf, nextAttempt: fresh.nextAttempt, at: moment)
        return .finished(Refreshed(outcome: outcome, nextAttempt: fresh.nextAttempt))
    }

    /// The recorded verification, when the chain and the staple are the bytes it was made
    /// for, the proof still passes the time checks, and the staple is fresh and scheduled.
    /// Inputs outside the two files (`--issuer`, `--responder-cert`) always take the full path.
    private func freshFromRecord(_ job: RefreshJob, chainSHA256: String, at moment: Date) -> (
        facts: StapleFacts, leaf: LeafIdentity, nextAttempt: Date
    )? {
        guard !job.force, VerifiedRecord.covers(job) else { return nil }
        let state = stateStore.load(for: job.outputPath)
        guard let record = state.verified, let scheduled = state.nextAttempt, job.responderURL != nil || record.leafHasResponder else {
            return nil
        }
        let timing = record.leafMustStaple ? job.timing.forMustStaple : job.timing
        guard
            let (facts, stapleIsPlain) = record.factsNotingLink(
                chainSHA256: chainSHA256, stapleAt: job.outputPath, at: moment, assumedValidity: job.timing.assumedValidity),
            let credible = StoredPlan.credible(scheduled, proofInPlace: facts, at: moment, timing: timing),
            RefreshSchedule.freshUntil(
                facts, policy: job.policy, followsSchedule: job.followsSchedule, scheduled: credible, at: moment) != nil,
            // A revocation record vetoes this "good": the full path reads it, verifies it and acts.
            record.ledgerIsSilent(
                RevocationLedger(stateDirectory: stateStore.directory, outputPath: job.outputPath), outputIsPlain: stapleIsPlain)
        else { return nil }
        return (facts, record.leaf, credible)
    }

    /// Step two, under the staple's lock: everything else, the fetch included (it may still
    /// find the staple fresh, and then records the verification for step one next time).
    public func complete(_ pending: PendingRefresh) -> Refreshed {
        switch completeUnlessLockHeld(pending) {
        case .finished(let refreshed): return refreshed
        case .lockHeld(let held): return lockHeldByAnother(held)
        }
    }

    /// Step two, stopping where another process holds the lock (`RefreshPool` judges that
    /// case after freeing the certificate's slot).
    public func completeUnlessLockHeld(_ pending: PendingRefresh) -> LockedStep {
        let job = pending.job
        let lock: StapleLock
        do {
            try stateStore.prepare(forOutput: job.outputPath)
            guard let acquired = try stateStore.lock(for: job.outputPath) else {
                // A known revocation is reported at once, without waiting for the holder.
                if let revoked = revokedWhileTheLockIsHeld(pending) { return .finished(revoked) }
                return .lockHeld(pending)
            }
            lock = acquired
        } catch {
            let moment = now()
            let outcome = stateUnusable(error, pending: pending, at: moment)
            let leaf = LeafIdentity(pending.chain.leaf)
            return .finished(Refreshed(outcome: report(outcome, job: job, leaf: leaf, nextAttempt: nil, at: moment), nextAttempt: nil))
        }
        return .finished(withExtendedLifetime(lock) { refreshHoldingTheLock(pending) })
    }

    /// Under the lock: the wall clock is read here, once, and every rule of this refresh
    /// (verification, the decision, the schedule, the report) judges at that moment.
    private func refreshHoldingTheLock(_ pending: PendingRefresh) -> Refreshed {
        let job = pending.job
        let moment = now()
        StapleWriter.removeStaleTemporary(besides: job.outputPath)
        StapleWriter.removeStaleTemporary(besides: stateStore.statePath(for: job.outputPath))
        let loaded = stateStore.load(for: job.outputPath)
        var state = loaded
        state.chainPath = StateStore.absolute(job.chainPath)
        state.host = StateStore.hostName
        var hints = ScheduleHints()
        let outcome = refreshLocked(pending, state: &state, hints: &hints, at: moment)
        var random = self.random
        let timing = pending.chain.leaf.mustStaple ? job.timing.forMustStaple : job.timing
        RefreshSchedule.record(outcome, hints: hints, timing: timing, in: &state, at: moment, random: &random)
        if state != loaded { save(state, learnedRevocation: state.revokedCertificates != loaded.revokedCertificates, job: job) }
        _ = report(outcome, job: job, leaf: LeafIdentity(pending.chain.leaf), nextAttempt: state.nextAttempt, at: moment)
        runHooks(after: outcome, pending: pending, state: state, at: moment)
        return Refreshed(outcome: outcome, nextAttempt: state.nextAttempt)
    }

    /// A learned revocation is fsynced; anything else costs at most one extra fetch if lost.
    private func save(_ state: StapleState, learnedRevocation: Bool, job: RefreshJob) {
        do {
            try stateStore.save(state, for: job.outputPath, durability: learnedRevocation ? .synced : .atomicOnly)
        } catch {
            logger.warning("could not save the state of \(job.outputPath): \(error)")
        }
    }
}
