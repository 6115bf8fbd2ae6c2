import Foundation

/// Fetches an OCSP response from one responder URL as RFC 5019 §5 describes: GET when the
/// encoded request fits in 255 bytes of URL, else POST; a refused GET is retried once as POST.
public struct OCSPFetcher: Sendable {
    /// RFC 5019 §5: GET is for requests whose URL stays within 255 bytes.
    public static let maximumGETURLLength = 255

    public let transport: any HTTPTransport
    /// The clock `deadline` is on (`MonotonicClock` unless a test injects one).
    public let monotonic: @Sendable () -> TimeInterval

    public init(transport: any HTTPTransport, monotonic: @escaping @Sendable () -> TimeInterval = MonotonicClock.seconds) {
        self.transport = transport
        self.monotonic = monotonic
    }

    public struct Fetched: Sendable {
        public let response: OCSPResponse
        public let method: HTTPRequest.Method
        public let http: HTTPResponse
        /// Oddities that did not stop us (a wrong Content-Type on a valid body).
        public let warnings: [String]
    }

    /// `deadline`, on `monotonic`, bounds the GET and the POST after it together: each
    /// transfer gets what is left of it, and a POST with no time left is not sent.
    public func fetch(_ request: OCSPRequest, from url: String, deadline: TimeInterval? = nil) -> Result<Fetched, ResponderFailure> {
        let post = HTTPRequest.post(url, body: request.derBytes, contentType: "application/ocsp-request")
        if let getURL = Self.getURL(for: request, base: url), getURL.utf8.count <= Self.maximumGETURLLength {
            switch attempt(bounded(.get(getURL), by: deadline), displayURL: url) {
            case .success(let fetched):
                return .success(fetched)
            case .failure(let failure) where failure.isRefusal:
                if let deadline, deadline - monotonic() < BudgetSpending.shortestTransfer {
                    return .failure(failure)
                }
                return attempt(bounded(post, by: deadline), displayURL: url)
                    .mapError { $0.afterRefusedGET(failure) }
            case .failure(let failure):
                return .failure(failure)
            }
        }
        return attempt(bounded(post, by: deadline), displayURL: url)
    }

    private func bounded(_ request: HTTPRequest, by deadline: TimeInterval?) -> HTTPRequest {
        guard let deadline else { return request }
        var bounded = request
        bounded.timeout = max(BudgetSpending.shortestTransfer, deadline - monotonic())
        return bounded
    }

    /// The RFC 5019 GET URL: the base, exactly one `/`, then the DER request in standard
    /// base64, percent-encoded. (base64url would be wrong: `openssl ocsp` answers 400.)
    public static func getURL(for request: OCSPRequest, base: String) -> String? {
        let encoded = Data(request.derBytes).base64EncodedString()
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        guard let escaped = encoded.addingPercentEncoding(withAllowedCharacters: unreserved) else { return nil }
        return (base.hasSuffix("/") ? base : base + "/") + escaped
    }

    private func attempt(_ http: HTTPRequest, displayURL: String) -> Result<Fetched, ResponderFailure> {
        let answer: HTTPResponse
        switch transport.perform(http) {
        case .success(let response): answer = response
        case .failure(let error):
            var failure = ResponderFailure(url: displayURL, method: http.method, reason: .transport(error.reason))
            failure.via = error.via
            return .failure(failure)
        }
        if answer.statusCode == 407, let proxy = answer.proxy {
            // Only a proxy sends 407: the request never reached the responder.
            let problem = "answered HTTP 407 Proxy Authentication Required: it wants credentials ocspd was not given, or refused them"
            return .failure(
                ResponderFailure(url: displayURL, method: http.method, reason: .transport(.proxyFailed(proxy, problem: problem))))
        }
        guard (200..<300).contains(answer.statusCode) else {
            var failure = ResponderFailure(
                url: displayURL, method: http.method,
                reason: .httpStatus(answer.statusCode, retryAfter: answer.retryAfter), retryAfter: answer.retryAfter)
            failure.via = answer.proxy
            return .failure(failure)
        }
        let response: OCSPResponse
        do {
            response = try OCSPResponse(derBytes: answer.body)
        } catch {
            return .failure(
                ResponderFailure(url: displayURL, method: http.method, reason: .notOCSP(error, contentType: answer.contentType)))
        }
        var warnings: [String] = []
        let contentType = answer.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if contentType != "application/ocsp-response" {
            warnings.append(
                "\(displayURL) sent a valid OCSP response with Content-Type \(answer.contentType ?? "(none)") instead of application/ocsp-response"
            )
        }
        return .success(Fetched(response: response, method: http.method, http: answer, warnings: warnings))
    }
}

/// Why one responder URL gave no usable response.
public struct ResponderFailure: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case transport(TransportError.Reason)
        case httpStatus(Int, retryAfter: Int?)
        case notOCSP(OCSPDecodingError, contentType: String?)
        case rejected(VerificationFailure)
        case refused(StapleReplacement.Refusal)
        /// Not asked: the refresh's budget (`RefreshBudget`) allowed no more.
        case skipped(BudgetRefusal)
    }

    public let url: String
    public let method: HTTPRequest.Method
    public let reason: Reason
    /// What the GET that preceded this POST got, when a refused GET was retried.
    public var refusedGET: Reason? = nil
    /// Seconds the responder asked us to wait (Retry-After on a 503 or a tryLater answer).
    public var retryAfter: Int? = nil
    /// The proxy the request went through: an HTTP status or a failure may be the proxy's own.
    public var via: ProxyEnvironment.Proxy? = nil

    public init(url: String, method: HTTPRequest.Method, reason: Reason, refusedGET: Reason? = nil, retryAfter: Int? = nil) {
        self.url = url
        self.method = method
        self.reason = reason
        self.refusedGET = refusedGET
        self.retryAfter = retryAfter
    }

    /// A short label for metrics: transport, http_NNN, not_ocsp, rejected, refused.
    public var category: String {
        switch reason {
        case .transport(let reason):
            switch reason {
            case .timedOut: return "timeout"
            case .connectFailed, .resolveFailed: return "connect"
            case .bodyTooLarge, .headersTooLarge: return "too_large"
            case .responderPaused: return "paused"
            case .proxyFailed: return "proxy"
            case .notHTTP, .interimAnswerOnly: return "not_http"
            default: return "transport"
            }
        case .httpStatus(let code, _): return "http_\(code)"
        case .notOCSP: return "not_ocsp"
        case .rejected(.unsuccessful(let status)): return status.description
        case .rejected: return "invalid_proof"
        case .refused: return "refused"
        case .skipped: return "skipped"
        }
    }

    /// Failed before anything was sent: the responder was paused, or the budget was spent.
    public var wasNotSent: Bool {
        switch reason {
        case .transport(.responderPaused), .skipped: return true
        default: return false
        }
    }

    /// A GET the responder did not answer with a response: worth one POST.
    var isRefusal: Bool {
        switch reason {
        case .httpStatus(let code, _): return code >= 400
        case .notOCSP: return true
        case .transport, .rejected, .refused, .skipped: return false
        }
    }

    /// Not asked because the refresh's budget was spent.
    public var isSkipped: Bool {
        if case .skipped = reason { return true }
        return false
    }

    /// One line for the URLs the budget left unasked, if any: "3 of 13 OCSP URLs asked; ...".
    public static func skippedSummary(_ failures: [ResponderFailure]) -> String? {
        var refusals: [BudgetRefusal] = []
        for failure in failures {
            if case .skipped(let refusal) = failure.reason, !refusals.contains(refusal) { refusals.append(refusal) }
        }
        guard !refusals.isEmpty else { return nil }
        let skipped = failures.filter(\.isSkipped).count
        let reasons = refusals.map { $0.description.replacingOccurrences(of: "not asked: ", with: "") }.joined(separator: "; ")
        return "\(failures.count - skipped) of \(failures.count) OCSP URLs asked, \(skipped) not asked (\(reasons))"
    }

    func afterRefusedGET(_ get: ResponderFailure) -> ResponderFailure {
        var copy = self
        copy.refusedGET = get.reason
        return copy
    }

    public var description: String {
        let what: String
        switch reason {
        case .transport(let reason):
            what = TransportError(url: url, reason: reason).description
        case .httpStatus(let code, let retryAfter):
            what = "\(url): HTTP \(code) to \(method.rawValue)" + (retryAfter.map { ", Retry-After \($0) s" } ?? "")
        case .notOCSP(let error, let contentType):
            what = "\(url): \(error) (Content-Type \(contentType ?? "none"))"
        case .rejected(let failure):
            what = "\(url): \(failure)"
        case .refused(let refusal):
            what = "\(url): a valid proof, but \(refusal)"
        case .skipped(let refusal):
            what = "\(url): \(refusal)"
        }
        let through = via.map { " (through \($0); it may be the proxy's doing)" } ?? ""
        guard let refusedGET else { return what + through }
        let getText: String
        switch refusedGET {
        case .httpStatus(let code, _): getText = "HTTP \(code)"
        case .notOCSP(let error, _): getText = error.description
        default: getText = "refused"
        }
        return what + through + " (after GET was refused: \(getText))"
    }
}
