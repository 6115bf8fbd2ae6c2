import Foundation
import Logging

/// Maintains one staple file: fetches, verifies, decides and writes or removes. Only the
/// transport, the clock and the file system reach the outside world; every decision is a
/// pure function in `Policy/`.
public struct Refresher: Sendable {
    public let transport: any HTTPTransport
    public let stateStore: StateStore
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Set at shutdown: a running hook is stopped (SIGTERM, then SIGKILL), none is started.
    public let cancellation: CancellationFlag?

    public init(
        transport: any HTTPTransport, stateStore: StateStore,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger, cancellation: CancellationFlag? = nil
    ) {
        self.transport = transport
        self.cancellation = cancellation
        self.stateStore = stateStore
        self.now = now
        self.logger = logger
    }

    /// The same refresher over another transport.
    public func with(transport: any HTTPTransport) -> Refresher {
        Refresher(transport: transport, stateStore: stateStore, now: now, logger: logger, cancellation: cancellation)
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
        do {
            let chainBytes = try FileBytes.read(job.chainPath, maximum: CertificateChain.maximumFileSize)
                .mapError { ChainError.unreadable(path: job.chainPath, reason: $0) }.get()
            chainSHA256 = VerifiedRecord.digest(chainBytes)
            if let fresh = freshFromRecord(job, chainSHA256: chainSHA256) {
                let outcome = report(.unchanged(fresh.facts, reason: .fresh), job: job, leaf: fresh.leaf, nextAttempt: fresh.nextAttempt)
                return .finished(Refreshed(outcome: outcome, nextAttempt: fresh.nextAttempt))
            }
            chain = try CertificateChain.parse(chainBytes, path: job.chainPath)
        } catch {
            let outcome = report(.failed(.chain(error), stapleOnDisk: nil, removed: nil), job: job, leaf: nil, nextAttempt: nil)
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

    /// The recorded verification, when the chain and the staple are the bytes it was made
    /// for, the proof still passes the time checks, and the staple is fresh and scheduled.
    /// Inputs outside the two files (`--issuer`, `--responder-cert`) always take the full path.
    private func freshFromRecord(_ job: RefreshJob, chainSHA256: String) -> (facts: StapleFacts, leaf: LeafIdentity, nextAttempt: Date)? {
        guard !job.force, VerifiedRecord.covers(job) else { return nil }
        let state = stateStore.load(for: job.outputPath)
        guard let record = state.verified, let scheduled = state.nextAttempt, job.responderURL != nil || record.leafHasResponder else {
            return nil
        }
        let moment = now()
        let timing = record.leafMustStaple ? job.timing.forMustStaple : job.timing
        guard let facts = record.facts(chainSHA256: chainSHA256, stapleAt: job.outputPath, at: moment),
            let credible = StoredPlan.credible(scheduled, proofInPlace: facts, at: moment, timing: timing),
            freshUntil(facts, job: job, scheduled: credible, at: moment) != nil,
            // A revocation record vetoes this "good": the full path reads it, verifies it and acts.
            record.ledgerIsSilent(RevocationLedger(stateDirectory: stateStore.directory, outputPath: job.outputPath))
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
        let chain = pending.chain
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
            return .finished(
                Refreshed(
                    outcome: report(stateUnusable(error, pending: pending), job: job, leaf: LeafIdentity(chain.leaf), nextAttempt: nil),
                    nextAttempt: nil))
        }
        return .finished(
            withExtendedLifetime(lock) {
                StapleWriter.removeStaleTemporary(besides: job.outputPath)
                StapleWriter.removeStaleTemporary(besides: stateStore.statePath(for: job.outputPath))
                let loaded = stateStore.load(for: job.outputPath)
                var state = loaded
                var hints = ScheduleHints()
                let outcome = refresh(job, chain: chain, chainSHA256: pending.chainSHA256, urls: pending.urls, state: &state, hints: &hints)
                schedule(after: outcome, hints: hints, job: job, mustStaple: chain.leaf.mustStaple, state: &state)
                if state != loaded {
                    do {
                        let revocationLearned = state.revokedCertificates != loaded.revokedCertificates
                        try stateStore.save(state, for: job.outputPath, durability: revocationLearned ? .synced : .atomicOnly)
                    } catch {
                        logger.warning("could not save the state of \(job.outputPath): \(error)")
                    }
                }
                _ = report(outcome, job: job, leaf: LeafIdentity(chain.leaf), nextAttempt: state.nextAttempt)
                runHook(after: outcome, job: job)
                return Refreshed(outcome: outcome, nextAttempt: state.nextAttempt)
            })
    }

    /// When the staple on disk stops being fresh, if it is fresh at `moment`: good for the
    /// target and before its due time (the schedule's, for the configured forms).
    private func freshUntil(_ staple: StapleFacts, job: RefreshJob, scheduled: Date?, at moment: Date) -> Date? {
        guard job.policy.refusal(of: staple, at: moment) == nil else { return nil }
        var due = RefreshSchedule.due(staple, policy: job.policy)
        if job.followsSchedule, let scheduled {
            due = min(scheduled, RefreshSchedule.removalTime(staple, policy: job.policy) ?? scheduled)
        }
        return moment < due ? due : nil
    }

    /// What the responder said about when to ask again.
    struct ScheduleHints {
        var retryAfter: Int? = nil
        var maxAge: Int? = nil
    }

    /// The part of a refresh that runs under the staple's lock.
    private func refresh(
        _ job: RefreshJob, chain: CertificateChain, chainSHA256: String, urls: [String], state: inout StapleState,
        hints: inout ScheduleHints
    ) -> RefreshOutcome {
        // Set again below only where a good proof ends up verified in place.
        state.verified = nil
        let policy = job.policy
        var budget = BudgetSpending(job.budget)
        let issuer: Certificate
        switch resolveIssuer(chain: chain, job: job, state: &state, budget: &budget) {
        case .failure(let error): return .failed(.issuer(error), stapleOnDisk: nil, removed: nil)
        case .success(let found): issuer = found
        }
        let subject = StapleSubject(leaf: chain.leaf, issuer: issuer)

        let extra: [Certificate]
        switch extraCertificates(job) {
        case .failure(let error): return .failed(error, stapleOnDisk: nil, removed: nil)
        case .success(let certificates): extra = certificates
        }

        let started = now()
        // Read once: the same bytes are judged now and compared with the new proof later.
        // Through the path layer, as the writer reaches it (any length, no untrusted link).
        let read = SafeFileRead.read(job.outputPath, maximum: LocalFileLimit.bytes)
        var onDiskBytes: [UInt8]? = try? read.get()
        var onDisk = StapleOnDisk.assess(read, for: subject, extraCertificates: extra, at: started)
        let ledger = RevocationLedger(stateDirectory: stateStore.directory, outputPath: job.outputPath)
        let belief = settleRevocations(of: subject, onDisk: onDisk, ledger: ledger, state: &state, at: started)
        let knownRevoked = belief.isRevoked
        if knownRevoked, policy.target == .exim, onDisk.validStaple?.status == .good {
            let removed = removeIfServedAsGood(onDisk, policy: policy, job: job)
            // Exim gets neither a good proof (revocation is final) nor a revoked one: once the
            // revocation is proven, no request can help. An unproven one asks for the proof.
            if belief == .proven { return .revoked(nil, written: false, removed: removed) }
            if removed { logger.notice("removed the good staple \(job.outputPath): its certificate is listed as revoked") }
            onDisk = .missing
            onDiskBytes = nil
        }
        state.discardIncrediblePlans(
            proofInPlace: onDisk.validStaple?.facts, at: started,
            timing: chain.leaf.mustStaple ? job.timing.forMustStaple : job.timing)

        if started > chain.leaf.notAfter {
            let error = RefreshError.leafExpired(certificate: chain.leaf.description, notAfter: RFC3339.string(chain.leaf.notAfter))
            return fail(error, onDisk: onDisk, policy: policy, job: job, state: &state, at: started, knownRevoked: knownRevoked)
        }

        // No request while the staple on disk is good for this target and not yet due.
        let certificateKey = StapleState.certificateKey(subject)
        let sameCertificate = state.certificate == certificateKey
        state.certificate = certificateKey
        // A good proof for a certificate known revoked is never "fresh": it is asked about again.
        if !job.force, let staple = onDisk.validStaple, !(knownRevoked && staple.status == .good),
            let due = freshUntil(staple.facts, job: job, scheduled: sameCertificate ? state.nextAttempt : nil, at: started)
        {
            logger.debug("\(job.outputPath) is fresh until \(RFC3339.string(due)); no request made")
            state.verified = onDiskBytes.flatMap {
                VerifiedRecord(staple, stapleBytes: $0, leaf: chain.leaf, chainSHA256: chainSHA256, issuer: issuer)
            }
            return .unchanged(staple.facts, reason: .fresh)
        }
        // Backoff after failures holds for the configured forms, for the same certificate only.
        if !job.force, job.followsSchedule, sameCertificate, state.consecutiveFailures > 0,
            let next = state.nextAttempt, started < next
        {
            let error = RefreshError.backingOff(until: RFC3339.string(next), failures: state.consecutiveFailures)
            return fail(error, onDisk: onDisk, policy: policy, job: job, state: &state, at: started, knownRevoked: knownRevoked)
        }

        let request: OCSPRequest
        do {
            request = try OCSPRequest(for: chain.leaf, issuedBy: issuer, nonce: job.nonce)
        } catch {
            return fail(.request(error), onDisk: onDisk, policy: policy, job: job, state: &state, at: started, knownRevoked: knownRevoked)
        }

        let fetcher = OCSPFetcher(transport: transport)
        var failures: [ResponderFailure] = []
        for url in urls {
            let deadline: TimeInterval
            switch budget.admit(.responder, at: MonotonicClock.seconds()) {
            case .failure(let refusal):
                failures.append(ResponderFailure(url: url, method: .get, reason: .skipped(refusal)))
                continue
            case .success(let until): deadline = until
            }
            let fetched: OCSPFetcher.Fetched
            switch fetcher.fetch(request, from: url, deadline: deadline) {
            case .failure(let failure):
                logger.debug("\(failure)")
                failures.append(failure)
                if !failure.wasNotSent { state.countRequest(to: url) } else { budget.refund(.responder) }
                state.countFailure(at: url, reason: failure.category)
                continue
            case .success(let result):
                state.countRequest(to: url)
                fetched = result
            }
            for warning in fetched.warnings { logger.warning("\(warning)") }
            let moment = now()
            let staple: VerifiedStaple
            switch StapleVerifier.verify(fetched.response, for: subject, at: moment, extraCertificates: extra, expectedNonce: request.nonce)
            {
            case .failure(let failure):
                let retryAfter = failure == .unsuccessful(.tryLater) ? fetched.http.retryAfter : nil
                let rejected = ResponderFailure(url: url, method: fetched.method, reason: .rejected(failure), retryAfter: retryAfter)
                logger.debug("\(rejected)")
                failures.append(rejected)
                state.countFailure(at: url, reason: rejected.category)
                continue
            case .success(let verified):
                staple = verified
            }
            // A hold (certificateHold) is acted on while its proof is current, never recorded.
            if staple.status.isFinalRevocation {
                state.recordRevocation(of: subject)
                learnRevocation(from: staple, of: subject, ledger: ledger, at: moment)
            }
            if staple.expiryLimit == .signerNotAfter, let nextUpdate = staple.single.nextUpdate {
                logger.warning(
                    "the responder certificate \(staple.signer.subject) expires at \(RFC3339.string(staple.signer.notAfter)), before the proof's nextUpdate \(RFC3339.string(nextUpdate)); clients refuse the proof from then, so ocspd treats it as expiring then"
                )
            }
            let bytes: [UInt8]
            do {
                bytes = try StapleAssembler.embedding(staple.signerMissingFromResponse ? [staple.signer] : [], in: staple.response)
            } catch {
                return fail(
                    .assembly(error.description), onDisk: onDisk, policy: policy, job: job, state: &state, at: moment,
                    knownRevoked: knownRevoked)
            }
            let decision = StapleReplacement.decide(
                fetched: staple, fetchedBytes: bytes, onDisk: onDisk, onDiskBytes: onDiskBytes,
                revocationSeen: knownRevoked || state.hasSeenRevocation(of: subject), policy: policy, at: moment)
            switch decision {
            case .write:
                if case .warning(let tooLarge) = StapleSizeLimit.verdict(size: bytes.count, target: policy.target) {
                    logger.warning("\(job.outputPath): \(tooLarge); written because the target is generic")
                }
                do {
                    let written = try StapleWriter.write(bytes, to: job.outputPath, temporary: .lockHeld)
                    if PathKey(written) != PathKey(job.outputPath) {
                        logger.info("wrote \(written), the file the symlink \(job.outputPath) leads to; the link stays")
                    }
                } catch {
                    if staple.status.isRevoked {
                        // Still the news that matters (exit 3), with why the proof is not in place.
                        logger.error("\(error)")
                        return .revoked(staple, written: false, removed: false)
                    }
                    return fail(
                        .write(error), onDisk: onDisk, policy: policy, job: job, state: &state, at: moment, knownRevoked: knownRevoked)
                }
                state.verified = VerifiedRecord(staple, stapleBytes: bytes, leaf: chain.leaf, chainSHA256: chainSHA256, issuer: issuer)
                return staple.status.isRevoked ? .revoked(staple, written: true, removed: false) : .stapled(staple, responder: url)
            case .identical:
                hints.maxAge = fetched.http.maxAge
                logger.debug("\(url) sent the proof already in \(job.outputPath) again; left as it is")
                state.verified = VerifiedRecord(staple, stapleBytes: bytes, leaf: chain.leaf, chainSHA256: chainSHA256, issuer: issuer)
                return .unchanged(staple.facts, reason: .identical)
            case .keepNewer:
                let existing = onDisk.validStaple ?? staple
                if let onDiskBytes, let kept = onDisk.validStaple {
                    state.verified = VerifiedRecord(
                        kept, stapleBytes: onDiskBytes, leaf: chain.leaf, chainSHA256: chainSHA256, issuer: issuer)
                }
                logger.info(
                    "\(url) sent an older proof (thisUpdate \(RFC3339.string(staple.thisUpdate))) than the one in \(job.outputPath) (thisUpdate \(RFC3339.string(existing.thisUpdate))); kept the newer one"
                )
                return .unchanged(existing.facts, reason: .newerOnDisk)
            case .refuse(let refusal):
                if staple.status.isRevoked || refusal == .goodAfterRevoked {
                    // The certificate is revoked; the target may not serve that proof (Exim), or the
                    // responder claims an un-revocation. Either way the good staple must not stay.
                    let removed = removeIfServedAsGood(onDisk, policy: policy, job: job)
                    if refusal == .goodAfterRevoked {
                        logger.error("\(url): \(refusal)")
                    }
                    if case .tooLarge = refusal { logger.error("\(url): the revoked proof is not written: \(refusal)") }
                    return .revoked(staple.status.isRevoked ? staple : onDisk.validStaple, written: false, removed: removed)
                }
                let refused = ResponderFailure(url: url, method: fetched.method, reason: .refused(refusal))
                logger.debug("\(refused)")
                failures.append(refused)
                state.countFailure(at: url, reason: refused.category)
            }
        }
        if let skipped = ResponderFailure.skippedSummary(failures) { logger.notice("\(job.outputPath): \(skipped)") }
        hints.retryAfter = failures.compactMap(\.retryAfter).max()
        return fail(
            .allRespondersFailed(failures), onDisk: onDisk, policy: policy, job: job, state: &state, at: now(), knownRevoked: knownRevoked)
    }

    /// No acceptable new proof: apply the target's removal rule to what is on disk. A good
    /// proof left in place for a certificate known revoked is no valid staple: exit 3 says so.
    private func fail(
        _ error: RefreshError, onDisk: StapleOnDisk, policy: TargetPolicy, job: RefreshJob, state: inout StapleState, at moment: Date,
        knownRevoked: Bool = false
    ) -> RefreshOutcome {
        var removed: RemovalReason? = nil
        if let reason = policy.removalReason(for: onDisk, at: moment) {
            do {
                try StapleWriter.remove(job.outputPath)
                removed = reason
            } catch {
                logger.error("\(error)")
            }
        }
        if case .foreign = onDisk, policy.target == .nginx {
            logger.error(
                "\(job.outputPath) holds a staple for another certificate (the one before a renewal?). It stays, because nginx cannot reload without the file, but nginx will staple a proof clients reject until ocspd can fetch one for the new certificate."
            )
        }
        var servable = onDisk.validStaple
        if let staple = servable, removed != nil || policy.refusal(of: staple, at: moment) != nil { servable = nil }
        if knownRevoked, servable?.status.isFinalRevocation != true {
            logger.error("refresh of \(job.outputPath) failed: \(error)")
            let revokedInPlace = servable?.status.isRevoked == true ? servable : nil
            return .revoked(revokedInPlace, written: revokedInPlace != nil, removed: removed != nil)
        }
        return .failed(error, stapleOnDisk: servable, removed: removed)
    }

    /// Exim with a revoked certificate: the good proof on disk would tell clients a lie.
    private func removeIfServedAsGood(_ onDisk: StapleOnDisk, policy: TargetPolicy, job: RefreshJob) -> Bool {
        guard policy.target == .exim, case .valid(let staple) = onDisk, !staple.status.isRevoked else { return false }
        do {
            try StapleWriter.remove(job.outputPath)
            return true
        } catch {
            logger.error("\(error)")
            return false
        }
    }

    /// The delegated responder certificates named by `--responder-cert`, if any.
    func extraCertificates(_ job: RefreshJob) -> Result<[Certificate], RefreshError> {
        guard let path = job.responderCertificatePath else { return .success([]) }
        switch FileBytes.read(path, maximum: LocalFileLimit.bytes) {
        case .failure(let reason):
            return .failure(.responderCertificate(path: path, reason: reason.description))
        case .success(let bytes):
            let certificates = CertificateBundle.certificates(in: bytes)
            return certificates.isEmpty
                ? .failure(.responderCertificate(path: path, reason: "it holds no certificate")) : .success(certificates)
        }
    }

    /// The chain, else a cached download that still signs the leaf, else `--issuer` or caIssuers.
    private func resolveIssuer(chain: CertificateChain, job: RefreshJob, state: inout StapleState, budget: inout BudgetSpending) -> Result<
        Certificate, IssuerError
    > {
        if let issuer = IssuerSearch.issuer(of: chain.leaf, among: chain.intermediates) {
            return .success(issuer)
        }
        if job.issuerPath == nil, let cached = state.issuer, let issuer = SharedCertificates.certificate(derBytes: Array(cached.der)),
            IssuerSearch.issuer(of: chain.leaf, among: [issuer]) != nil
        {
            return .success(issuer)
        }
        return IssuerResolver(transport: transport).resolve(for: chain, issuerPath: job.issuerPath, budget: &budget).map { issuer, source in
            if case .downloaded(let url) = source {
                logger.info("issuer of \(chain.leaf) downloaded from \(url) and cached")
                state.issuer = StapleState.CachedIssuer(source: url, der: Data(issuer.derBytes))
            }
            return issuer
        }
    }

}
