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
        let easy: CurlEasy
        do {
            easy = try handleForThisThread()
        } catch {
            return .failure(TransportError(url: request.url, reason: .failed(error.description)))
        }
        let guardian = AddressGuard()
        do {
            try easy.configure(for: request, limits: limits, userAgent: userAgent, cancellation: cancellation)
            if refusePrivateAddresses { try easy.refusePrivateAddresses(recordingIn: guardian) }
        } catch {
            return .failure(TransportError(url: request.url, reason: .failed(error.description)))
        }
        let failure = easy.perform()
        if failure != nil, let refused = guardian.refusedAddress {
            return .failure(TransportError(url: request.url, reason: .privateAddress(refused)))
        }
        let lastURL = easy.effectiveURL ?? request.url
        if let failure {
            let proxy = proxies.proxy(for: lastURL)
            let why = failure.reason(limits: limits, proxy: proxy)
            if case .proxyFailed = why { return .failure(TransportError(url: request.url, reason: why)) }
            return .failure(TransportError(url: request.url, reason: why, via: proxy))
        }
        let response = HTTPResponse(
            statusCode: easy.responseStatus ?? 0,
            body: easy.receivedBody,
            contentType: easy.contentType,
            retryAfter: easy.retryAfter.flatMap { $0 > 0 ? Int($0) : nil },
            maxAge: easy.header("Cache-Control").flatMap(Self.maxAge),
            effectiveURL: lastURL,
            proxy: proxies.proxy(for: lastURL)
        )
        return .success(response)
    }

    /// One easy handle per thread, reset between transfers: its connection cache is what lets
    /// consecutive requests to one responder reuse a keep-alive (or HTTP/2) connection.
    private func handleForThisThread() throws(CurlHandleError) -> CurlEasy {
        let key = "ocspd.curl.\(limits.maximumBodyBytes)"
        let dictionary = Thread.current.threadDictionary
        if let easy = dictionary[key] as? CurlEasy {
            easy.reset()
            return easy
        }
        let easy = try CurlEasy(maximumBodyBytes: limits.maximumBodyBytes)
        dictionary[key] = easy
        return easy
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
