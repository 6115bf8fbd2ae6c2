import Foundation
import Logging

/// The part of a refresh that runs under the staple's lock: gather the facts, ask
/// `RefreshDecision` before fetching, and carry out what it says.
extension Refresher {
    func refreshLocked(_ pending: PendingRefresh, state: inout StapleState, hints: inout ScheduleHints, at now: Date) -> RefreshOutcome {
        // Set again below only where a good proof ends up verified in place.
        state.verified = nil
        let job = pending.job
        var budget = BudgetSpending(job.budget, startedAt: monotonic())
        let issuer: Certificate
        switch resolveIssuer(chain: pending.chain, job: job, state: &state, budget: &budget) {
        case .failure(let error): return .failed(.issuer(error), stapleOnDisk: nil, removed: nil)
        case .success(let found): issuer = found
        }
        let extra: [Certificate]
        switch extraCertificates(job) {
        case .failure(let error): return .failed(error, stapleOnDisk: nil, removed: nil)
        case .success(let certificates): extra = certificates
        }
        var refresh = LockedRefresh(
            job: job, chain: pending.chain, chainSHA256: pending.chainSHA256, urls: pending.urls, issuer: issuer,
            subject: StapleSubject(leaf: pending.chain.leaf, issuer: issuer), extraCertificates: extra,
            ledger: RevocationLedger(stateDirectory: stateStore.directory, outputPath: job.outputPath), now: now, state: state,
            budget: budget)
        refresh.sharing = sharing(of: pending, subject: refresh.subject)
        defer {
            state = refresh.state
            hints = refresh.hints
        }
        return decideBeforeFetching(&refresh)
    }

    /// Reads the file in place and what is known of revocations, then acts on `beforeFetch`.
    private func decideBeforeFetching(_ refresh: inout LockedRefresh) -> RefreshOutcome {
        gatherOnDisk(&refresh)
        if let outcome = actOnRevokedGoodStaple(&refresh) { return outcome }
        refresh.state.discardIncrediblePlans(proofInPlace: refresh.onDisk.validStaple?.facts, at: refresh.now, timing: refresh.timing)
        let certificate = StapleState.issuerKeyHashAndSerial(refresh.subject)
        let facts = RefreshFacts(
            onDisk: refresh.onDisk.facts, revocation: refresh.revocation, policy: refresh.policy, force: refresh.job.force,
            followsSchedule: refresh.job.followsSchedule, sameCertificate: refresh.state.certificate == certificate,
            consecutiveFailures: refresh.state.consecutiveFailures, nextAttempt: refresh.state.nextAttempt,
            leafNotAfter: refresh.chain.leaf.notAfter, now: refresh.now)
        let decision = RefreshDecision.beforeFetch(facts)
        if decision != .leafExpired {
            refresh.state.certificate = certificate
            // Not due, and offered the round's answer: taken if it settles this output.
            if let outcome = takeOffer(&refresh) { return outcome }
        }
        switch decision {
        case .leafExpired:
            let leaf = refresh.chain.leaf
            return fail(.leafExpired(certificate: leaf.description, notAfter: RFC3339.string(leaf.notAfter)), &refresh)
        case .fresh(let until):
            return keepFresh(until: until, &refresh)
        case .backingOff(let until, let failures):
            return fail(.backingOff(until: RFC3339.string(until), failures: failures), &refresh)
        case .fetch:
            return fetchAndDecide(&refresh)
        }
    }

    /// Through the path layer, as the writer reaches it (any length, no untrusted link).
    private func gatherOnDisk(_ refresh: inout LockedRefresh) {
        let read = SafeFileRead.read(refresh.job.outputPath, maximum: LocalFileLimit.bytes)
        refresh.onDiskBytes = try? read.get()
        refresh.onDisk = StapleOnDisk.assess(
            read, for: refresh.subject, extraCertificates: refresh.extraCertificates, at: refresh.now,
            assumedValidity: refresh.job.timing.assumedValidity)
        refresh.revocation = settleRevocations(
            of: refresh.subject, onDisk: refresh.onDisk, ledger: refresh.ledger, state: &refresh.state, at: refresh.now)
    }

    /// Exim's good staple for a certificate known revoked goes first (`revokedGoodStaple`).
    private func actOnRevokedGoodStaple(_ refresh: inout LockedRefresh) -> RefreshOutcome? {
        let rule = RefreshDecision.revokedGoodStaple(onDisk: refresh.onDisk.facts, revocation: refresh.revocation, policy: refresh.policy)
        guard let rule else { return nil }
        let removed = removeStaple(refresh.job)
        if rule == .removeAndReportRevoked { return .revoked(nil, written: false, removed: removed) }
        if removed { logger.notice("removed the good staple \(refresh.job.outputPath): its certificate is listed as revoked") }
        refresh.onDisk = .missing
        refresh.onDiskBytes = nil
        return nil
    }

    private func keepFresh(until due: Date, _ refresh: inout LockedRefresh) -> RefreshOutcome {
        guard let staple = refresh.onDisk.validStaple else { return fetchAndDecide(&refresh) }
        logger.debug("\(refresh.job.outputPath) is fresh until \(RFC3339.string(due)); no request made")
        let record = refresh.onDiskBytes.flatMap { refresh.record(staple, bytes: $0) }
        refresh.state.verified = record
        return .unchanged(staple.facts, reason: .fresh)
    }

    /// Removes the staple file; a failure is logged, and the file counts as still there.
    func removeStaple(_ job: RefreshJob) -> Bool {
        do {
            try StapleWriter.remove(job.outputPath)
            return true
        } catch {
            logger.error("\(error)")
            return false
        }
    }
}
