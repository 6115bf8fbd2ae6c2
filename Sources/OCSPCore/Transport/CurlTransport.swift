internal import CCurl
import Foundation

/// HTTP over libcurl with ocspd's rules: http and https only (also across redirects),
/// at most a few redirects, POST kept as POST, bounded time and body size, proxies from
/// the usual environment variables (curl reads `http_proxy`, `https_proxy`, `no_proxy`).
public struct CurlTransport: HTTPTransport {
    public let limits: TransportLimits
    public let userAgent: String
    /// When set, aborts transfers in flight (daemon shutdown).
    public let cancellation: CancellationFlag?
    /// Refuse loopback, private and link-local addresses (see `AddressPolicy`).
    public let refusePrivateAddresses: Bool
    /// The proxy variables libcurl reads, read back to name a failing proxy.
    public let proxies: ProxyEnvironment

    public init(
        limits: TransportLimits = TransportLimits(), userAgent: String = "ocspd/\(OCSPDVersion.current)",
        cancellation: CancellationFlag? = nil, refusePrivateAddresses: Bool = false,
        proxies: ProxyEnvironment = ProxyEnvironment()
    ) {
        self.limits = limits
        self.userAgent = userAgent
        self.cancellation = cancellation
        self.refusePrivateAddresses = refusePrivateAddresses
        self.proxies = proxies
    }

    public func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        guard FetchableURL.isAllowed(request.url) else {
            return .failure(TransportError(url: request.url, reason: .unsupportedScheme))
        }
        if cancellation?.isCancelled == true {
            return .failure(TransportError(url: request.url, reason: .failed("aborted: ocspd is shutting down")))
        }
        guard let easy = handleForThisThread() else {
            return .failure(TransportError(url: request.url, reason: .failed("libcurl could not create a handle")))
        }
        let guardian = AddressGuard()
        do {
            try configure(easy, for: request)
            if refusePrivateAddresses { try easy.refusePrivateAddresses(recordingIn: guardian) }
        } catch {
            return .failure(TransportError(url: request.url, reason: .failed(error.description)))
        }
        let code = easy.perform()
        if code != CURLE_OK, let refused = guardian.refusedAddress {
            return .failure(TransportError(url: request.url, reason: .privateAddress(refused)))
        }
        let lastURL = easy.info(string: CURLINFO_EFFECTIVE_URL) ?? request.url
        if code != CURLE_OK {
            let proxy = proxies.proxy(for: lastURL)
            let why = reason(for: code, easy: easy, proxy: proxy)
            if case .proxyFailed = why { return .failure(TransportError(url: request.url, reason: why)) }
            return .failure(TransportError(url: request.url, reason: why, via: proxy))
        }
        let response = HTTPResponse(
            statusCode: easy.info(long: CURLINFO_RESPONSE_CODE) ?? 0,
            body: easy.sink.bytes,
            contentType: easy.info(string: CURLINFO_CONTENT_TYPE),
            retryAfter: easy.info(offset: CURLINFO_RETRY_AFTER).flatMap { $0 > 0 ? Int($0) : nil },
            maxAge: easy.header("Cache-Control").flatMap(Self.maxAge),
            effectiveURL: lastURL,
            proxy: proxies.proxy(for: lastURL)
        )
        return .success(response)
    }

    /// One easy handle per thread, reset between transfers: its connection cache is what lets
    /// consecutive requests to one responder reuse a keep-alive (or HTTP/2) connection.
    private func handleForThisThread() -> CurlEasy? {
        let key = "ocspd.curl.\(limits.maximumBodyBytes)"
        let dictionary = Thread.current.threadDictionary
        if let easy = dictionary[key] as? CurlEasy {
            easy.reset()
            return easy
        }
        guard let easy = CurlEasy(maximumBodyBytes: limits.maximumBodyBytes) else { return nil }
        dictionary[key] = easy
        return easy
    }

    private func configure(_ easy: CurlEasy, for request: HTTPRequest) throws(CurlSetupError) {
        try easy.prepare()
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 1)
        try easy.set(CURLOPT_MAXREDIRS, limits.maximumRedirects)
        // Keep POST a POST across 301, 302 and 303 (CURL_REDIR_POST_ALL).
        try easy.set(CURLOPT_POSTREDIR, 7)
        let total = Self.milliseconds(min(limits.totalTimeout, request.timeout ?? limits.totalTimeout))
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(total, Self.milliseconds(limits.connectTimeout)))
        try easy.set(CURLOPT_TIMEOUT_MS, total)
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
        try easy.set(CURLOPT_LOW_SPEED_TIME, max(1, Int(limits.lowSpeedWindow)))
        try easy.set(CURLOPT_MAXFILESIZE, limits.maximumBodyBytes)
        // No signals from curl's resolver: ocspd is multi-threaded.
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_USERAGENT, userAgent)
        if let cancellation {
            try easy.abort(when: cancellation)
        }
        if request.method == .post {
            try easy.setBody(request.body)
            try easy.setHeaders(["Content-Type: \(request.contentType ?? "application/octet-stream")"])
        }
    }

    /// What went wrong, in the words of what really happened: libcurl's codes are broad
    /// (CURLE_UNSUPPORTED_PROTOCOL is also an HTTP/0.9 reply, CURLE_OUT_OF_MEMORY also a huge
    /// header line), and through a proxy most failures are the proxy's.
    private func reason(for code: CURLcode, easy: CurlEasy, proxy: ProxyEnvironment.Proxy?) -> TransportError.Reason {
        if easy.sink.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            return .bodyTooLarge(limit: limits.maximumBodyBytes)
        }
        let message = easy.errorMessage(code)
        if let proxy,
            let problem = Self.proxyProblem(code, message: message, connectStatus: easy.info(long: CURLINFO_HTTP_CONNECTCODE) ?? 0)
        {
            return .proxyFailed(proxy, problem: problem)
        }
        let status = easy.info(long: CURLINFO_RESPONSE_CODE) ?? 0
        let interim: Int? = (100..<200).contains(status) ? status : nil
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL where message.contains("HTTP/0.9"):
            // libcurl refuses HTTP/0.9 (a body without a status line) with the code for an unsupported scheme.
            return .notHTTP(afterStatus: interim, detail: "no status line (an HTTP/0.9 reply, or another protocol on this port)")
        case CURLE_WEIRD_SERVER_REPLY:
            return .notHTTP(afterStatus: interim, detail: message)
        case CURLE_UNSUPPORTED_PROTOCOL where (easy.info(long: CURLINFO_REDIRECT_COUNT) ?? 0) > 0:
            // The first URL's scheme was checked before, so this is where a redirect pointed.
            return .redirectRefused(message)
        case CURLE_GOT_NOTHING where interim != nil, CURLE_PARTIAL_FILE where interim != nil, CURLE_RECV_ERROR where interim != nil:
            return .interimAnswerOnly(status: status)
        case CURLE_OUT_OF_MEMORY:
            // A transfer capped at 64 KiB does not exhaust memory; a header line over
            // CURL_MAX_HTTP_HEADER (100 KiB) is what libcurl 7.88 reports this way.
            return .headersTooLarge(message)
        case CURLE_RECV_ERROR where message.contains("Too large response headers"):
            return .headersTooLarge(message)
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects(limit: limits.maximumRedirects)
        case CURLE_COULDNT_RESOLVE_HOST:
            return .resolveFailed(message)
        case CURLE_COULDNT_RESOLVE_PROXY:
            // A proxy curl found and `ProxyEnvironment` did not: still the proxy's failure.
            return .proxyFailed(
                ProxyEnvironment.Proxy(url: "(from the environment)", variable: "a proxy variable"),
                problem: "cannot be resolved (\(message))")
        case CURLE_COULDNT_CONNECT:
            return .connectFailed(message)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(message)
        case CURLE_ABORTED_BY_CALLBACK:
            return .failed("aborted: ocspd is shutting down")
        default:
            return .failed(message)
        }
    }

    /// A timeout for curl: at least 1 ms, because curl reads 0 as "no limit".
    static func milliseconds(_ seconds: TimeInterval) -> Int {
        guard seconds.isFinite else { return 1 }
        return max(1, Int(min(seconds, 86_400) * 1000))
    }

    /// The proxy's part in a failure, when a proxy was in use: curl connects only to it, and a
    /// CONNECT answered with anything but 2xx is the proxy refusing the tunnel.
    static func proxyProblem(_ code: CURLcode, message: String, connectStatus: Int) -> String? {
        if connectStatus != 0 && !(200..<300).contains(connectStatus) {
            return "refused the tunnel to the responder: HTTP \(connectStatus) to CONNECT"
                + (connectStatus == 407
                    ? " (Proxy Authentication Required: the proxy wants credentials ocspd was not given, or refused them)" : "")
        }
        switch code {
        case CURLE_COULDNT_RESOLVE_PROXY: return "cannot be resolved (\(message))"
        case CURLE_COULDNT_CONNECT: return "refuses connections or cannot be reached (\(message))"
        case CURLE_PROXY: return "failed the proxy handshake (\(message))"
        default: return message.hasPrefix("CONNECT") || message.contains("proxy") ? "failed: \(message)" : nil
        }
    }

    /// `Cache-Control: max-age=N` (other directives ignored).
    static func maxAge(_ header: String) -> Int? {
        for directive in header.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                return seconds
            }
        }
        return nil
    }
}
