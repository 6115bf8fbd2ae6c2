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

    public init(transport: any HTTPTransport, stateStore: StateStore,
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.transport = transport
        self.stateStore = stateStore
        self.now = now
        self.logger = logger
    }

    public func refresh(_ job: RefreshJob) -> RefreshOutcome {
        let chain: CertificateChain
        do {
            chain = try CertificateChain.read(from: job.chainPath)
        } catch {
            return report(.failed(.chain(error), stapleOnDisk: nil, removed: nil), job: job, leaf: nil, nextAttempt: nil)
        }
        let leaf = chain.leaf
        let responderURLs = job.responderURL.map { [$0] } ?? leaf.ocspURLs.filter(FetchableURL.isAllowed)
        guard !responderURLs.isEmpty else {
            let others = leaf.ocspURLs.isEmpty ? "" : " (only non-HTTP ones: \(leaf.ocspURLs.joined(separator: ", ")))"
            logger.notice("nothing to staple: \(leaf) names no OCSP responder\(others); pass --responder URL if it has one")
            return .nothingToStaple(leaf)
        }

        let lock: StapleLock
        do {
            try stateStore.prepare(forOutput: job.outputPath)
            guard let acquired = try stateStore.lock(for: job.outputPath) else {
                logger.notice("another ocspd is refreshing \(job.outputPath) right now; skipping")
                return .busy
            }
            lock = acquired
        } catch {
            return report(.failed(.state(error), stapleOnDisk: nil, removed: nil), job: job, leaf: leaf, nextAttempt: nil)
        }
        return withExtendedLifetime(lock) {
            StapleWriter.removeStaleTemporaries(besides: job.outputPath)
            StapleWriter.removeStaleTemporaries(besides: stateStore.statePath(for: job.outputPath))
            var state = stateStore.load(for: job.outputPath)
            var hints = ScheduleHints()
            let outcome = refresh(job, chain: chain, urls: responderURLs, state: &state, hints: &hints)
            schedule(after: outcome, hints: hints, job: job, mustStaple: chain.leaf.mustStaple, state: &state)
            do {
                try stateStore.save(state, for: job.outputPath)
            } catch {
                logger.warning("could not save the state of \(job.outputPath): \(error)")
            }
            _ = report(outcome, job: job, leaf: chain.leaf, nextAttempt: state.nextAttempt)
            runHook(after: outcome, job: job)
            return outcome
        }
    }

    /// What the responder said about when to ask again.
    struct ScheduleHints {
        var retryAfter: Int? = nil
        var maxAge: Int? = nil
    }

    /// The part of a refresh that runs under the staple's lock.
    private func refresh(_ job: RefreshJob, chain: CertificateChain, urls: [String], state: inout StapleState, hints: inout ScheduleHints) -> RefreshOutcome {
        let policy = job.policy
        let issuer: Certificate
        switch resolveIssuer(chain: chain, job: job, state: &state) {
        case .failure(let error): return .failed(.issuer(error), stapleOnDisk: nil, removed: nil)
        case .success(let found): issuer = found
        }
        let subject = StapleSubject(leaf: chain.leaf, issuer: issuer)

        var extra: [Certificate] = []
        if let path = job.responderCertificatePath {
            switch FileBytes.read(path, maximum: 1 << 20) {
            case .failure(let reason):
                return .failed(.responderCertificate(path: path, reason: reason.description), stapleOnDisk: nil, removed: nil)
            case .success(let bytes):
                extra = CertificateBundle.certificates(in: bytes)
                if extra.isEmpty {
                    return .failed(.responderCertificate(path: path, reason: "it holds no certificate"), stapleOnDisk: nil, removed: nil)
                }
            }
        }

        let started = now()
        // Read once: the same bytes are judged now and compared with the new proof later.
        let read = FileBytes.read(job.outputPath, maximum: 1 << 20)
        let onDiskBytes: [UInt8]? = try? read.get()
        let onDisk = StapleOnDisk.assess(read, for: subject, extraCertificates: extra, at: started)
        if let staple = onDisk.validStaple, staple.status.isRevoked {
            state.recordRevocation(of: subject)
        }

        if started > chain.leaf.notAfter {
            let error = RefreshError.leafExpired(certificate: chain.leaf.description, notAfter: RFC3339.string(chain.leaf.notAfter))
            return fail(error, onDisk: onDisk, policy: policy, job: job, state: &state, at: started)
        }

        // No request while the staple on disk is good for this target and not yet due.
        let certificateKey = StapleState.certificateKey(subject)
        let sameCertificate = state.certificate == certificateKey
        state.certificate = certificateKey
        if !job.force, let staple = onDisk.validStaple, policy.refusal(of: staple, at: started) == nil {
            var due = RefreshSchedule.due(staple, policy: policy)
            if job.followsSchedule, sameCertificate, let scheduled = state.nextAttempt {
                due = min(scheduled, RefreshSchedule.removalTime(staple, policy: policy) ?? scheduled)
            }
            if started < due {
                logger.debug("\(job.outputPath) is fresh until \(RFC3339.string(due)); no request made")
                return .unchanged(staple, reason: .fresh)
            }
        }
        // Backoff after failures holds for the configured forms, for the same certificate only.
        if !job.force, job.followsSchedule, sameCertificate, state.consecutiveFailures > 0,
           let next = state.nextAttempt, started < next {
            let error = RefreshError.backingOff(until: RFC3339.string(next), failures: state.consecutiveFailures)
            return fail(error, onDisk: onDisk, policy: policy, job: job, state: &state, at: started)
        }

        let request: OCSPRequest
        do {
            request = try OCSPRequest(for: chain.leaf, issuedBy: issuer, nonce: job.nonce)
        } catch {
            return fail(.request(error), onDisk: onDisk, policy: policy, job: job, state: &state, at: started)
        }

        let fetcher = OCSPFetcher(transport: transport)
        var failures: [ResponderFailure] = []
        for url in urls {
            let fetched: OCSPFetcher.Fetched
            state.countRequest(to: url)
            switch fetcher.fetch(request, from: url) {
            case .failure(let failure):
                logger.debug("\(failure)")
                failures.append(failure)
                state.countFailure(at: url, reason: failure.category)
                continue
            case .success(let result):
                fetched = result
            }
            for warning in fetched.warnings { logger.warning("\(warning)") }
            let moment = now()
            let staple: VerifiedStaple
            switch StapleVerifier.verify(fetched.response, for: subject, at: moment, extraCertificates: extra, expectedNonce: request.nonce) {
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
            if staple.status.isRevoked {
                state.recordRevocation(of: subject)
            }
            if staple.expiryLimit == .signerNotAfter, let nextUpdate = staple.single.nextUpdate {
                logger.warning("the responder certificate \(staple.signer.subject) expires at \(RFC3339.string(staple.signer.notAfter)), before the proof's nextUpdate \(RFC3339.string(nextUpdate)); clients refuse the proof from then, so ocspd treats it as expiring then")
            }
            let bytes: [UInt8]
            do {
                bytes = try StapleAssembler.embedding(staple.signerMissingFromResponse ? [staple.signer] : [], in: staple.response)
            } catch {
                return fail(.assembly(error.description), onDisk: onDisk, policy: policy, job: job, state: &state, at: moment)
            }
            let decision = StapleReplacement.decide(
                fetched: staple, fetchedBytes: bytes, onDisk: onDisk, onDiskBytes: onDiskBytes,
                revocationSeen: state.hasSeenRevocation(of: subject), policy: policy, at: moment)
            switch decision {
            case .write:
                do {
                    try StapleWriter.write(bytes, to: job.outputPath)
                } catch {
                    return fail(.write(error), onDisk: onDisk, policy: policy, job: job, state: &state, at: moment)
                }
                return staple.status.isRevoked ? .revoked(staple, written: true, removed: false) : .stapled(staple, responder: url)
            case .identical:
                hints.maxAge = fetched.http.maxAge
                logger.debug("\(url) sent the proof already in \(job.outputPath) again; left as it is")
                return .unchanged(staple, reason: .identical)
            case .keepNewer:
                let existing = onDisk.validStaple ?? staple
                logger.info("\(url) sent an older proof (thisUpdate \(RFC3339.string(staple.thisUpdate))) than the one in \(job.outputPath) (thisUpdate \(RFC3339.string(existing.thisUpdate))); kept the newer one")
                return .unchanged(existing, reason: .newerOnDisk)
            case .refuse(let refusal):
                if staple.status.isRevoked || refusal == .goodAfterRevoked {
                    // The certificate is revoked; the target may not serve that proof (Exim), or the
                    // responder claims an un-revocation. Either way the good staple must not stay.
                    let removed = removeIfServedAsGood(onDisk, policy: policy, job: job)
                    if refusal == .goodAfterRevoked {
                        logger.error("\(url): \(refusal)")
                    }
                    return .revoked(staple.status.isRevoked ? staple : onDisk.validStaple, written: false, removed: removed)
                }
                let refused = ResponderFailure(url: url, method: fetched.method, reason: .refused(refusal))
                logger.debug("\(refused)")
                failures.append(refused)
                state.countFailure(at: url, reason: refused.category)
            }
        }
        hints.retryAfter = failures.compactMap(\.retryAfter).max()
        return fail(.allRespondersFailed(failures), onDisk: onDisk, policy: policy, job: job, state: &state, at: now())
    }

    /// No acceptable new proof: apply the target's removal rule to what is on disk.
    private func fail(_ error: RefreshError, onDisk: StapleOnDisk, policy: TargetPolicy, job: RefreshJob, state: inout StapleState, at moment: Date) -> RefreshOutcome {
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
            logger.error("\(job.outputPath) holds a staple for another certificate (the one before a renewal?). It stays, because nginx cannot reload without the file, but nginx will staple a proof clients reject until ocspd can fetch one for the new certificate.")
        }
        var servable = onDisk.validStaple
        if let staple = servable, removed != nil || policy.refusal(of: staple, at: moment) != nil { servable = nil }
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

    /// The chain, else a cached download that still signs the leaf, else `--issuer` or caIssuers.
    private func resolveIssuer(chain: CertificateChain, job: RefreshJob, state: inout StapleState) -> Result<Certificate, IssuerError> {
        if let issuer = chain.intermediates.first(where: { chain.leaf.isSigned(by: $0) }) {
            return .success(issuer)
        }
        if job.issuerPath == nil, let cached = state.issuer, let issuer = Certificate(derBytes: Array(cached.der)), chain.leaf.isSigned(by: issuer) {
            return .success(issuer)
        }
        return IssuerResolver(transport: transport).resolve(for: chain, issuerPath: job.issuerPath).map { issuer, source in
            if case .downloaded(let url) = source {
                logger.info("issuer of \(chain.leaf) downloaded from \(url) and cached")
                state.issuer = StapleState.CachedIssuer(source: url, der: Data(issuer.derBytes))
            }
            return issuer
        }
    }

}
