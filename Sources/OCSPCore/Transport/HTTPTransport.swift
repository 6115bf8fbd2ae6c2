import Foundation

/// What ocspd needs from HTTP: a GET or a POST of a small body, answered with a small body.
/// `CurlTransport` is the real one; tests may supply others.
public protocol HTTPTransport: Sendable {
    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError>
}

public struct HTTPRequest: Sendable, Hashable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public let method: Method
    public let url: String
    public let body: [UInt8]
    public let contentType: String?
    /// At most this long for this transfer, when less than the transport's own limit: what is
    /// left of the refresh's budget (`RefreshBudget`).
    public var timeout: TimeInterval? = nil

    public static func get(_ url: String) -> HTTPRequest {
        HTTPRequest(method: .get, url: url, body: [], contentType: nil)
    }

    public static func post(_ url: String, body: [UInt8], contentType: String) -> HTTPRequest {
        HTTPRequest(method: .post, url: url, body: body, contentType: contentType)
    }
}

public struct HTTPResponse: Sendable, Hashable {
    public let statusCode: Int
    public let body: [UInt8]
    public let contentType: String?
    /// Seconds, from a 503/429 Retry-After header.
    public let retryAfter: Int?
    /// Seconds, from Cache-Control: max-age (RFC 5019 §6.2).
    public let maxAge: Int?
    /// The URL that answered, after redirects.
    public let effectiveURL: String
    /// The proxy the answer came through, if any: its status may be the proxy's, not the responder's.
    public let proxy: ProxyEnvironment.Proxy?

    public init(
        statusCode: Int, body: [UInt8], contentType: String? = nil, retryAfter: Int? = nil, maxAge: Int? = nil, effectiveURL: String,
        proxy: ProxyEnvironment.Proxy? = nil
    ) {
        self.statusCode = statusCode
        self.body = body
        self.contentType = contentType
        self.retryAfter = retryAfter
        self.maxAge = maxAge
        self.effectiveURL = effectiveURL
        self.proxy = proxy
    }
}

/// Limits for one transfer. The defaults are what a responder outage must not exceed.
public struct TransportLimits: Sendable, Hashable {
    public var connectTimeout: TimeInterval = 5
    public var totalTimeout: TimeInterval = 20
    /// A transfer slower than `lowSpeedBytesPerSecond` for `lowSpeedWindow` is aborted.
    public var lowSpeedBytesPerSecond: Int = 64
    public var lowSpeedWindow: TimeInterval = 10
    /// Far above any real response (a few KB), far below what could hurt memory.
    public var maximumBodyBytes: Int = 64 * 1024
    public var maximumRedirects: Int = 3

    public init() {}
}

/// A failed transfer: no HTTP answer we could use. Always names the URL.
public struct TransportError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unsupportedScheme
        case resolveFailed(String)
        case connectFailed(String)
        case timedOut(String)
        case bodyTooLarge(limit: Int)
        case redirectRefused(String)
        case tooManyRedirects(limit: Int)
        case privateAddress(String)
        /// The proxy from the environment failed: the responder was never reached.
        case proxyFailed(ProxyEnvironment.Proxy, problem: String)
        /// The answer is not well-formed HTTP (no status line: an HTTP/0.9 reply or another
        /// protocol on the port; a header without a colon, ...), possibly after an interim 1xx answer.
        case notHTTP(afterStatus: Int?, detail: String)
        /// Only an interim 1xx answer came, then the connection closed.
        case interimAnswerOnly(status: Int)
        /// A header line (or all of them) beyond libcurl's limits; libcurl calls a single such
        /// line "out of memory".
        case headersTooLarge(String)
        /// Not asked: the responder failed this many requests in a row and is paused (`ResponderGate`).
        case responderPaused(failures: Int, seconds: Int)
        case failed(String)
    }

    public let url: String
    public let reason: Reason
    /// The proxy the request went through, when it failed in a way that may be the proxy's or the responder's.
    public var via: ProxyEnvironment.Proxy? = nil

    public init(url: String, reason: Reason, via: ProxyEnvironment.Proxy? = nil) {
        self.url = url
        self.reason = reason
        self.via = via
    }

    public var description: String {
        switch reason {
        case .unsupportedScheme:
            return "\(url): only http and https URLs are fetched"
        case .resolveFailed(let detail):
            return "\(url): cannot resolve the host name (\(detail)); check DNS and the URL"
        case .connectFailed(let detail):
            return "\(url): cannot connect (\(detail)); the responder may be down or blocked by a firewall or proxy"
        case .timedOut(let detail):
            return "\(url): timed out (\(detail)); the responder is down or too slow"
        case .bodyTooLarge(let limit):
            return "\(url): the answer exceeds \(limit / 1024) KiB, far more than any OCSP response; refused"
        case .redirectRefused(let detail):
            return "\(url): refused a redirect (\(detail)); only http and https are followed"
        case .tooManyRedirects(let limit):
            return "\(url): more than \(limit) redirects (a loop?)"
        case .privateAddress(let address):
            return "\(url): refused to connect to \(address), a loopback, private or link-local address (refuse-private-addresses is on)"
        case .proxyFailed(let proxy, let problem):
            return
                "\(url): \(proxy) \(problem); the responder was not reached: check that proxy, or the proxy variables in ocspd's environment"
        case .notHTTP(let status, let detail):
            let after = status.map { "after an interim HTTP \($0) answer, " } ?? ""
            return "\(url): \(after)the answer is not well-formed HTTP: \(detail); check that the URL is an OCSP responder's"
        case .interimAnswerOnly(let status):
            return "\(url): the server sent only an interim HTTP \(status) answer and closed the connection; no response came"
        case .headersTooLarge(let detail):
            return
                "\(url): the answer's headers are larger than libcurl accepts (100 KiB per line, 300 KiB in all; libcurl said: "
                + "\(detail)); no OCSP responder sends that"
        case .responderPaused(let failures, let seconds):
            return
                "\(url): not asked: this responder failed \(failures) requests in a row just now (no answer, timeouts or 5xx); "
                + "ocspd pauses it for \(seconds) s and retries each staple on its own backoff"
        case .failed(let detail):
            return "\(url): \(detail)"
        }
    }
}
