import Foundation
import Logging

/// Taking part in a round's shared fetch (`SharedFetchRound`): answers kept by the first
/// output of a certificate are found by the others, and offered to outputs not yet due.
extension Refresher {
    /// The first step for an output offered the round's answers (not due itself): nil when
    /// the round fetched nothing for its certificate, so it is left as it is, untouched.
    /// Otherwise the output goes on under its lock whatever its staple's freshness (the fast
    /// path would end it as fresh), and acts on the answer as a due output would.
    public func prepareOffered(_ job: RefreshJob, round: SharedFetchRound) -> RefreshStep? {
        var unhurried = job
        // Only to pass by the fast path of `prepare`: the decision sees the job as configured.
        unhurried.force = true
        switch prepare(unhurried) {
        case .finished(let refreshed):
            return .finished(refreshed)
        case .needsLock(let pending):
            guard round.keptAResponse(forCertificate: pending.issuerNameAndSerial) else { return nil }
            return .needsLock(
                PendingRefresh(
                    job: job, chain: pending.chain, chainSHA256: pending.chainSHA256, urls: pending.urls,
                    sharing: SharedFetchUse(round: round, offeredOnly: true)))
        }
    }

    /// The round and key of `pending`'s refresh, once the issuer is known (its key hash is
    /// part of what identifies the certificate); nil when it does not share.
    func sharing(of pending: PendingRefresh, subject: StapleSubject) -> (use: SharedFetchUse, key: SharedFetchKey)? {
        guard let use = pending.sharing else { return nil }
        let certificate = StapleState.issuerKeyHashAndSerial(subject)
        guard let key = SharedFetchKey.of(pending.job, certificate: certificate, responderURLs: pending.urls) else { return nil }
        use.round.note(certificate: pending.issuerNameAndSerial, of: pending.job.outputPath)
        return (use, key)
    }

    /// What `url` already gave in this round for this certificate, or nil to ask it.
    func sharedResponse(from url: String, _ refresh: inout LockedRefresh) -> Result<OCSPFetcher.Fetched, ResponderFailure>? {
        guard let (use, key) = refresh.sharing,
            let response = use.round.response(
                for: key, at: url, output: refresh.job.outputPath, timeLeft: refresh.budget.timeLeft(at: monotonic()))
        else { return nil }
        let output = refresh.job.outputPath
        switch response {
        case .failed(let failure, let other, _):
            logger.debug("\(output): \(url) failed for \(other) in this round; not asked again: \(failure)")
            return .failure(failure)
        case .fetched(let der, let method, let http, let other):
            // A response object of its own: each output verifies and acts on it independently.
            guard let response = try? OCSPResponse(derBytes: der) else { return nil }
            logger.debug("\(output): taking the response \(url) sent for \(other) in this round; no request of its own")
            return .success(OCSPFetcher.Fetched(response: response, method: method, http: http, warnings: []))
        }
    }

    /// Keeps what `url` gave this refresh for the round's other outputs of its certificate.
    /// `allowed`: the seconds this refresh's budget gave the transfer.
    func keepForTheRound(
        _ result: Result<OCSPFetcher.Fetched, ResponderFailure>, from url: String, allowed: TimeInterval, _ refresh: LockedRefresh
    ) {
        guard let (use, key) = refresh.sharing else { return }
        use.round.keep(
            result, for: key, at: url, job: refresh.job, certificate: PendingRefresh.issuerNameAndSerial(of: refresh.chain),
            allowed: allowed)
    }

    /// An output not yet due takes a verified answer of the round that settles it (written,
    /// identical, kept newer, revoked: `afterAnswer`, as for any answer), or nil to go on as
    /// it would have without the offer. Nothing is asked, nothing counted on the offer's account.
    func takeOffer(_ refresh: inout LockedRefresh) -> RefreshOutcome? {
        guard let use = refresh.sharing?.use, use.offeredOnly else { return nil }
        defer { refresh.failures = [] }
        for url in refresh.urls {
            guard case .success(let fetched)? = sharedResponse(from: url, &refresh),
                let answer = verified(fetched, from: url, expectedNonce: nil, asked: false, &refresh)
            else { continue }
            if let outcome = act(on: answer, &refresh) { return outcome }
        }
        return nil
    }
}
