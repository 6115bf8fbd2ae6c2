import Foundation
import Logging

/// Asking the responders in turn, and acting on each verified answer (`afterAnswer`).
extension Refresher {
    /// A verified answer and what came with it.
    struct Answer {
        let staple: VerifiedStaple
        let fetched: OCSPFetcher.Fetched
        let url: String
    }

    func fetchAndDecide(_ refresh: inout LockedRefresh) -> RefreshOutcome {
        let request: OCSPRequest
        do {
            request = try OCSPRequest(for: refresh.chain.leaf, issuedBy: refresh.issuer, nonce: refresh.job.nonce)
        } catch {
            return fail(.request(error), &refresh)
        }
        let fetcher = OCSPFetcher(transport: transport, monotonic: monotonic)
        for url in refresh.urls {
            guard let answer = ask(url, request: request, fetcher: fetcher, &refresh) else { continue }
            if let outcome = act(on: answer, &refresh) { return outcome }
        }
        if let skipped = ResponderFailure.skippedSummary(refresh.failures) { logger.notice("\(refresh.job.outputPath): \(skipped)") }
        refresh.hints.retryAfter = refresh.failures.compactMap(\.retryAfter).max()
        return fail(.allRespondersFailed(refresh.failures), &refresh)
    }

    /// One responder, within the budget: its verified answer, or nil with the failure counted.
    /// What the round's shared fetch already got from `url` is taken instead of asking again.
    private func ask(_ url: String, request: OCSPRequest, fetcher: OCSPFetcher, _ refresh: inout LockedRefresh) -> Answer? {
        guard let shared = sharedResponse(from: url, &refresh) else {
            guard let fetched = askItself(url, request: request, fetcher: fetcher, &refresh) else { return nil }
            return verified(fetched, from: url, expectedNonce: request.nonce, asked: true, &refresh)
        }
        switch shared {
        case .failure(let failure):
            // Counted once, by the output that asked; a failure for this one all the same.
            refresh.failures.append(failure)
            return nil
        case .success(let fetched):
            return verified(fetched, from: url, expectedNonce: nil, asked: false, &refresh)
        }
    }

    /// Sends the request to `url` (kept for the round's other outputs of the certificate).
    private func askItself(_ url: String, request: OCSPRequest, fetcher: OCSPFetcher, _ refresh: inout LockedRefresh)
        -> OCSPFetcher.Fetched?
    {
        let deadline: TimeInterval
        switch refresh.budget.admit(.responder, at: monotonic()) {
        case .failure(let refusal):
            refresh.failures.append(ResponderFailure(url: url, method: .get, reason: .skipped(refusal)))
            return nil
        case .success(let until): deadline = until
        }
        let allowed = deadline - monotonic()
        let result = fetcher.fetch(request, from: url, deadline: deadline)
        keepForTheRound(result, from: url, allowed: allowed, refresh)
        switch result {
        case .failure(let failure):
            logger.debug("\(failure)")
            refresh.failures.append(failure)
            if !failure.wasNotSent { refresh.state.countRequest(to: url) } else { refresh.budget.refund(.responder) }
            refresh.state.countFailure(at: url, reason: failure.category)
            return nil
        case .success(let fetched):
            refresh.state.countRequest(to: url)
            for warning in fetched.warnings { logger.warning("\(warning)") }
            return fetched
        }
    }

    /// `fetched` verified for this output's certificate, at this refresh's moment, or nil with
    /// the rejection counted (in the counters only by the output that `asked`: one request).
    func verified(
        _ fetched: OCSPFetcher.Fetched, from url: String, expectedNonce: [UInt8]?, asked: Bool, _ refresh: inout LockedRefresh
    ) -> Answer? {
        let verified = StapleVerifier.verify(
            fetched.response, for: refresh.subject, at: refresh.now, extraCertificates: refresh.extraCertificates,
            expectedNonce: expectedNonce, assumedValidity: refresh.job.timing.assumedValidity)
        switch verified {
        case .failure(let failure):
            let retryAfter = failure == .unsuccessful(.tryLater) ? fetched.http.retryAfter : nil
            let rejected = ResponderFailure(url: url, method: fetched.method, reason: .rejected(failure), retryAfter: retryAfter)
            logger.debug("\(rejected)")
            refresh.failures.append(rejected)
            if asked { refresh.state.countFailure(at: url, reason: rejected.category) }
            return nil
        case .success(let staple):
            return Answer(staple: staple, fetched: fetched, url: url)
        }
    }

    /// The outcome `answer` ends the refresh with, or nil to ask the next responder.
    func act(on answer: Answer, _ refresh: inout LockedRefresh) -> RefreshOutcome? {
        let staple = answer.staple
        // A hold (certificateHold) is acted on while its proof is current, never recorded.
        if staple.status.isFinalRevocation {
            refresh.state.recordRevocation(of: refresh.subject)
            learnRevocation(from: staple, of: refresh.subject, ledger: refresh.ledger, at: refresh.now)
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
            return fail(.assembly(error.description), &refresh)
        }
        let facts = AnswerFacts(proof: ProofFacts(staple), size: bytes.count, sameBytesOnDisk: refresh.onDiskBytes == bytes)
        let action = RefreshDecision.afterAnswer(
            facts, onDisk: refresh.onDisk.facts, onDiskSize: refresh.onDiskBytes?.count,
            revocationSeen: refresh.revocation.isRevoked || refresh.state.hasSeenRevocation(of: refresh.subject),
            policy: refresh.policy, at: refresh.now)
        return carryOut(action, answer: answer, bytes: bytes, &refresh)
    }

    private func carryOut(
        _ action: RefreshDecision.AfterAnswer, answer: Answer, bytes: [UInt8], _ refresh: inout LockedRefresh
    ) -> RefreshOutcome? {
        let staple = answer.staple
        let output = refresh.job.outputPath
        switch action {
        case .write(let revoked, let sizeWarning):
            if let sizeWarning { logger.warning("\(output): \(sizeWarning); written because the target is generic") }
            return write(answer, bytes: bytes, revoked: revoked, &refresh)
        case .identical:
            refresh.hints.maxAge = answer.fetched.http.maxAge
            logger.debug("\(answer.url) sent the proof already in \(output) again; left as it is")
            refresh.state.verified = refresh.record(staple, bytes: bytes)
            return .unchanged(staple.facts, reason: .identical)
        case .keepNewer:
            return keepNewer(than: answer, &refresh)
        case .reportRevoked(let refusal, let withFetchedProof, let removeGoodStaple):
            let removed = removeGoodStaple && removeStaple(refresh.job)
            if refusal == .goodAfterRevoked { logger.error("\(answer.url): \(refusal)") }
            if case .tooLarge = refusal { logger.error("\(answer.url): the revoked proof is not written: \(refusal)") }
            return .revoked(withFetchedProof ? staple : refresh.onDisk.validStaple, written: false, removed: removed)
        case .tryNext(let refusal):
            let refused = ResponderFailure(url: answer.url, method: answer.fetched.method, reason: .refused(refusal))
            logger.debug("\(refused)")
            refresh.failures.append(refused)
            refresh.state.countFailure(at: answer.url, reason: refused.category)
            return nil
        }
    }

    private func write(_ answer: Answer, bytes: [UInt8], revoked: Bool, _ refresh: inout LockedRefresh) -> RefreshOutcome {
        let output = refresh.job.outputPath
        do {
            let written = try StapleWriter.write(bytes, to: output, temporary: .lockHeld)
            if PathKey(written) != PathKey(output) {
                logger.info("wrote \(written), the file the symlink \(output) leads to; the link stays")
            }
        } catch {
            guard revoked else { return fail(.write(error), &refresh) }
            // Still the news that matters (exit 3), with why the proof is not in place.
            logger.error("\(error)")
            return .revoked(answer.staple, written: false, removed: false)
        }
        refresh.state.verified = refresh.record(answer.staple, bytes: bytes)
        return revoked ? .revoked(answer.staple, written: true, removed: false) : .stapled(answer.staple, responder: answer.url)
    }

    private func keepNewer(than answer: Answer, _ refresh: inout LockedRefresh) -> RefreshOutcome {
        let existing = refresh.onDisk.validStaple ?? answer.staple
        if let onDiskBytes = refresh.onDiskBytes, let kept = refresh.onDisk.validStaple {
            refresh.state.verified = refresh.record(kept, bytes: onDiskBytes)
        }
        logger.info(
            "\(answer.url) sent an older proof (thisUpdate \(RFC3339.string(answer.staple.thisUpdate))) than the one in \(refresh.job.outputPath) (thisUpdate \(RFC3339.string(existing.thisUpdate))); kept the newer one"
        )
        return .unchanged(existing.facts, reason: .newerOnDisk)
    }
}
