import Foundation

/// What makes two outputs' requests the same request, so that one answer serves both: the
/// certificate asked about (its issuer's key hash and serial, as in the request's CertID)
/// and every setting that shapes the request or the trust in its answer. Outputs of one
/// certificate with different settings (another `responder:`, `issuer`, `responder-cert`)
/// ask for themselves.
public struct SharedFetchKey: Sendable, Hashable {
    /// The issuer's key hash and the serial (`StapleState.issuerKeyHashAndSerial`).
    public var certificate: String
    /// The `responder:` override or the leaf's AIA list, in the order they are asked.
    public var responderURLs: [String]
    public var issuerPath: String?
    public var responderCertificatePath: String?

    /// The key of `job`'s request, or nil when its answer is its own: with `nonce: true` a
    /// response answers one request only.
    public static func of(_ job: RefreshJob, certificate: String, responderURLs: [String]) -> SharedFetchKey? {
        guard !job.nonce else { return nil }
        return SharedFetchKey(
            certificate: certificate, responderURLs: responderURLs, issuerPath: job.issuerPath,
            responderCertificatePath: job.responderCertificatePath)
    }
}

/// Outputs that the daemon and `refresh --config` refresh together: the same chain file and
/// the same fetch settings. Cheap to tell apart (no chain is read), and a group whose leaf is
/// one certificate fetches once per round: when one of them is due, the others are offered
/// its answer (`SharedFetchRound`).
public struct FetchSiblingKey: Sendable, Hashable {
    public var chainPath: PathKey
    public var responderURL: String?
    public var issuerPath: String?
    public var responderCertificatePath: String?

    /// Nil for outputs that never share (`nonce: true`).
    public static func of(_ job: RefreshJob) -> FetchSiblingKey? {
        guard !job.nonce else { return nil }
        return FetchSiblingKey(
            chainPath: PathKey(job.chainPath), responderURL: job.responderURL, issuerPath: job.issuerPath,
            responderCertificatePath: job.responderCertificatePath)
    }

    /// The jobs of `candidates` to offer the round's answers to, which neither fetched nor
    /// looked for an answer themselves (`served`): siblings of an output that got a response
    /// in the round, and outputs of another chain file known (`learned`, from earlier rounds)
    /// to carry a certificate the round got a response for. A stale `learned` costs a chain
    /// read, never a wrong answer: the offer is checked against the chain read then.
    public static func offered(
        _ candidates: [RefreshJob], fetched: Set<FetchSiblingKey>, served: Set<PathKey>,
        learned: [PathKey: String] = [:], certificatesFetched: Set<String> = []
    ) -> [RefreshJob] {
        candidates.filter { job in
            guard let key = of(job), !served.contains(PathKey(job.outputPath)) else { return false }
            if fetched.contains(key) { return true }
            return learned[PathKey(job.outputPath)].map(certificatesFetched.contains) ?? false
        }
    }
}
