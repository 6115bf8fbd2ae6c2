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
    public let backoff: Backoff

    public init(transport: any HTTPTransport, stateStore: StateStore, backoff: Backoff = Backoff(),
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.transport = transport
        self.stateStore = stateStore
        self.backoff = backoff
        self.now = now
        self.logger = logger
    }

    public func refresh(_ job: RefreshJob) -> RefreshOutcome {
        let chain: CertificateChain
        do {
            chain = try CertificateChain.read(from: job.chainPath)
        } catch {
            return report(.failed(.chain(error), stapleOnDisk: nil, removed: nil), job: job)
        }
        let leaf = chain.leaf
        let responderURLs = job.responderURL.map { [$0] } ?? leaf.ocspURLs.filter(Self.isHTTP)
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
            return report(.failed(.state(error), stapleOnDisk: nil, removed: nil), job: job)
        }
        return withExtendedLifetime(lock) {
            StapleWriter.removeStaleTemporaries(besides: job.outputPath)
            var state = stateStore.load(for: job.outputPath)
            let outcome = refresh(job, chain: chain, urls: responderURLs, state: &state)
            do {
                try stateStore.save(state, for: job.outputPath)
            } catch {
                logger.warning("could not save the state of \(job.outputPath): \(error)")
            }
            return report(outcome, job: job)
        }
    }

    /// The part of a refresh that runs under the staple's lock.
    private func refresh(_ job: RefreshJob, chain: CertificateChain, urls: [String], state: inout StapleState) -> RefreshOutcome {
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
        let onDiskBytes: [UInt8]? = try? FileBytes.read(job.outputPath, maximum: 1 << 20).get()
        let onDisk = onDiskBytes.map { StapleOnDisk.judge($0, for: subject, extraCertificates: extra, at: started) }
            ?? StapleOnDisk.assess(job.outputPath, for: subject, extraCertificates: extra, at: started)
        if let staple = onDisk.validStaple, staple.status.isRevoked {
            state.recordRevocation(of: subject)
        }

        if started > chain.leaf.notAfter {
            let error = RefreshError.leafExpired(certificate: chain.leaf.description, notAfter: RFC3339.string(chain.leaf.notAfter))
            return fail(error, onDisk: onDisk, policy: policy, job: job, state: &state, at: started)
        }

        // No request while the staple on disk is good for this target and not yet due.
        if !job.force, let staple = onDisk.validStaple, policy.refusal(of: staple, at: started) == nil {
            let due = RefreshSchedule.due(staple, policy: policy)
            if started < due {
                logger.debug("\(job.outputPath) is fresh until \(RFC3339.string(due)); no request made")
                return .unchanged(staple, reason: .fresh)
            }
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
            switch fetcher.fetch(request, from: url) {
            case .failure(let failure):
                logger.debug("\(failure)")
                failures.append(failure)
                continue
            case .success(let result):
                fetched = result
            }
            for warning in fetched.warnings { logger.warning("\(warning)") }
            let moment = now()
            let staple: VerifiedStaple
            switch StapleVerifier.verify(fetched.response, for: subject, at: moment, extraCertificates: extra, expectedNonce: request.nonce) {
            case .failure(let failure):
                let rejected = ResponderFailure(url: url, method: fetched.method, reason: .rejected(failure))
                logger.debug("\(rejected)")
                failures.append(rejected)
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
                state.recordSuccess(at: moment)
                logger.info("wrote \(describe(staple, job: job, from: url))")
                return staple.status.isRevoked ? .revoked(staple, written: true, removed: false) : .stapled(staple, responder: url)
            case .identical:
                state.recordSuccess(at: moment)
                logger.info("\(url) sent the proof already in \(job.outputPath) again; left as it is")
                return .unchanged(staple, reason: .identical)
            case .keepNewer:
                state.recordSuccess(at: moment)
                let existing = onDisk.validStaple ?? staple
                logger.info("\(url) sent an older proof (thisUpdate \(RFC3339.string(staple.thisUpdate))) than the one in \(job.outputPath) (thisUpdate \(RFC3339.string(existing.thisUpdate))); kept the newer one")
                return .unchanged(existing, reason: .newerOnDisk)
            case .refuse(let refusal):
                if staple.status.isRevoked || refusal == .goodAfterRevoked {
                    // The certificate is revoked; the target may not serve that proof (Exim), or the
                    // responder claims an un-revocation. Either way the good staple must not stay.
                    let removed = removeIfServedAsGood(onDisk, policy: policy, job: job)
                    state.recordSuccess(at: moment)
                    if refusal == .goodAfterRevoked {
                        logger.error("\(url): \(refusal)")
                    }
                    return .revoked(staple.status.isRevoked ? staple : onDisk.validStaple, written: false, removed: removed)
                }
                let refused = ResponderFailure(url: url, method: fetched.method, reason: .refused(refusal))
                logger.debug("\(refused)")
                failures.append(refused)
            }
        }
        return fail(.allRespondersFailed(failures), onDisk: onDisk, policy: policy, job: job, state: &state, at: now())
    }

    /// No acceptable new proof: apply the target's removal rule to what is on disk.
    private func fail(_ error: RefreshError, onDisk: StapleOnDisk, policy: TargetPolicy, job: RefreshJob, state: inout StapleState, at moment: Date) -> RefreshOutcome {
        var random = SystemRandomNumberGenerator()
        state.recordFailure(at: moment, backoff: backoff, random: &random)
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

    private func describe(_ staple: VerifiedStaple, job: RefreshJob, from url: String) -> String {
        "\(job.outputPath): \(staple.status) proof for serial \(staple.single.certID.serialNumber) from \(url), thisUpdate \(RFC3339.string(staple.thisUpdate)), effective expiry \(RFC3339.string(staple.effectiveExpiry)) (target \(job.policy.target))"
    }

    /// One line per outcome, at a level cron and journald treat sensibly.
    private func report(_ outcome: RefreshOutcome, job: RefreshJob) -> RefreshOutcome {
        switch outcome {
        case .failed(let error, let onDisk, let removed):
            var line = "refresh of \(job.outputPath) failed: \(error)."
            if let removed { line += " Removed the staple because \(removed); the server now staples nothing." }
            if let onDisk {
                line += " The staple on disk stays valid until \(RFC3339.string(onDisk.effectiveExpiry))."
            } else if removed == nil {
                line += " No valid staple is in place."
            }
            logger.error("\(line)")
        case .revoked(let staple, let written, let removed):
            let serial = staple?.single.certID.serialNumber ?? "?"
            var line = "certificate serial \(serial) in \(job.chainPath) is REVOKED"
            if case .revoked(let time, let reason)? = staple?.status {
                line += " since \(RFC3339.string(time))" + (reason.map { " (\($0))" } ?? "")
            }
            line += written ? "; the revoked proof is in \(job.outputPath)" : "; no proof is served from \(job.outputPath)"
            if removed { line += " (the good staple was removed)" }
            logger.critical("\(line). Replace the certificate now.")
        case .unchanged(let staple, _) where staple.status.isRevoked:
            logger.critical("certificate serial \(staple.single.certID.serialNumber) in \(job.chainPath) is REVOKED; the revoked proof in \(job.outputPath) is current. Replace the certificate now.")
        case .unchanged(let staple, let reason) where reason == .fresh:
            logger.info("\(job.outputPath) is fresh (\(staple.status), effective expiry \(RFC3339.string(staple.effectiveExpiry))); nothing to do")
        case .stapled, .unchanged, .nothingToStaple, .busy:
            break
        }
        return outcome
    }

    static func isHTTP(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}
