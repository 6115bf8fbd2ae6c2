import Foundation

/// The answers fetched in one round (one `refresh --config`, one daemon round), so that
/// outputs of one certificate ask its responder once. The first output to ask keeps what it
/// got (the response's bytes and the HTTP facts, or the failure); the others find it instead
/// of asking again. Each output still verifies the response for itself, at its own moment,
/// under its own target's rules: only the request is shared, never a judgement.
///
/// Outputs of one certificate never ask at the same time (`RefreshPool` keeps them apart),
/// so the second finds what the first kept.
public final class SharedFetchRound: @unchecked Sendable {
    /// What one responder URL gave, for every output of the key.
    enum Response {
        case fetched(der: [UInt8], method: HTTPRequest.Method, http: HTTPResponse, forOutput: String)
        /// `allowed`: the seconds the asker's budget gave the transfer, when a timeout is the
        /// failure (it says as much about that budget as about the responder).
        case failed(ResponderFailure, forOutput: String, allowed: TimeInterval? = nil)

        var forOutput: String {
            switch self {
            case .fetched(_, _, _, let output), .failed(_, let output, _): return output
            }
        }
    }

    /// How much more time than the asker had an output must have left to ask again after a
    /// timeout: outputs of equal budgets share the timeout, one the asker's budget cut short does not.
    static let timeoutMargin: TimeInterval = 1

    /// Certificates whose answers are kept at once: a round over thousands of certificates
    /// must not hold every response it fetched. The oldest goes first; an output of it that
    /// comes later asks for itself, at the cost of one request.
    public let capacity: Int
    private let lock = NSLock()
    private var responses: [SharedFetchKey: [String: Response]] = [:]
    /// The keys in the order they were first kept, for evicting the oldest.
    private var order: [SharedFetchKey] = []
    private var evicted = 0
    /// The certificates (issuer name and serial, as the pool names them) something was kept for.
    private var certificatesKept: Set<String> = []
    private var siblingsFetched: Set<FetchSiblingKey> = []
    private var outputsServed: Set<PathKey> = []
    /// The certificate (issuer name and serial) of each output that took part, for the
    /// daemon to recognise outputs of one certificate in different chain files next time.
    private var certificateOfOutput: [PathKey: String] = [:]

    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
    }

    /// What `url` gave for `key` earlier in the round; the output asking counts as served.
    /// A timeout is not shared with an output that has clearly more time left (`timeLeft`)
    /// than the asker gave the transfer: its own budget, not the responder, may have ended it.
    func response(for key: SharedFetchKey, at url: String, output: String, timeLeft: TimeInterval? = nil) -> Response? {
        lock.withLock {
            outputsServed.insert(PathKey(output))
            let response = responses[key]?[url]
            if case .failed(_, _, let allowed?)? = response, let timeLeft, timeLeft > allowed + Self.timeoutMargin { return nil }
            return response
        }
    }

    /// Keeps what `url` gave `job`'s request. A failure before sending is not kept: nothing
    /// was asked, and the next output may have the budget to ask.
    func keep(
        _ result: Result<OCSPFetcher.Fetched, ResponderFailure>, for key: SharedFetchKey, at url: String, job: RefreshJob,
        certificate: String, allowed: TimeInterval? = nil
    ) {
        let response: Response
        switch result {
        case .success(let fetched):
            let http = fetched.http
            // The body is the response again: kept once, as `der`.
            let facts = HTTPResponse(
                statusCode: http.statusCode, body: [], contentType: http.contentType, retryAfter: http.retryAfter, maxAge: http.maxAge,
                effectiveURL: http.effectiveURL, proxy: http.proxy)
            response = .fetched(der: fetched.response.derBytes, method: fetched.method, http: facts, forOutput: job.outputPath)
        case .failure(let failure):
            guard !failure.wasNotSent else { return }
            var timedOut = false
            if case .transport(.timedOut) = failure.reason { timedOut = true }
            response = .failed(failure, forOutput: job.outputPath, allowed: timedOut ? allowed : nil)
        }
        lock.withLock {
            if responses[key] == nil { admit(key) }
            responses[key, default: [:]][url] = response
            outputsServed.insert(PathKey(job.outputPath))
            // Only a response is worth offering to outputs not due: a failure is not news for them.
            guard case .fetched = response else { return }
            certificatesKept.insert(certificate)
            if let sibling = FetchSiblingKey.of(job) { siblingsFetched.insert(sibling) }
        }
    }

    /// Makes room for `key` (the lock held).
    private func admit(_ key: SharedFetchKey) {
        order.append(key)
        while order.count - evicted > capacity {
            responses[order[evicted]] = nil
            evicted += 1
        }
        if evicted >= 1024, evicted * 2 >= order.count {
            order.removeFirst(evicted)
            evicted = 0
        }
    }

    /// Notes the certificate `output` carries (`PendingRefresh.issuerNameAndSerial`).
    func note(certificate: String, of output: String) {
        lock.withLock { certificateOfOutput[PathKey(output)] = certificate }
    }

    /// The certificates of the outputs that took part in the round.
    public var outputCertificates: [PathKey: String] { lock.withLock { certificateOfOutput } }

    /// The certificates a response was kept for.
    public var certificatesWithAResponse: Set<String> { lock.withLock { certificatesKept } }

    /// Whether a response was kept for the certificate named so (`PendingRefresh.issuerNameAndSerial`):
    /// an output offered the round's answers without one for its certificate is left alone.
    func keptAResponse(forCertificate certificate: String) -> Bool {
        lock.withLock { certificatesKept.contains(certificate) }
    }

    /// The sibling groups (`FetchSiblingKey`) an output of which got a response in the round.
    public var fetchedSiblings: Set<FetchSiblingKey> { lock.withLock { siblingsFetched } }

    /// The outputs that asked, or looked for an answer, in the round.
    public var servedOutputs: Set<PathKey> { lock.withLock { outputsServed } }

    /// No response was kept: nothing to offer.
    public var hasNoResponse: Bool { lock.withLock { certificatesKept.isEmpty } }
}

/// How a refresh takes part in a round's sharing.
public struct SharedFetchUse: Sendable {
    public let round: SharedFetchRound
    /// Not due: the output takes an answer of the round if one settles it, and otherwise does
    /// what it would have done without the offer, never asking for itself on the offer's account.
    public let offeredOnly: Bool

    public init(round: SharedFetchRound, offeredOnly: Bool = false) {
        self.round = round
        self.offeredOnly = offeredOnly
    }
}
