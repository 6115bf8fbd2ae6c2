internal import CCurl
import Foundation

/// A transfer libcurl did not complete, with what curl knew when it gave up.
struct CurlFailure: Sendable {
    let code: CURLcode
    /// curl's error buffer, or its generic text for `code`.
    let message: String
    /// The response sink refused bytes beyond the body cap.
    let bodyExceeded: Bool
    let responseStatus: Int
    /// The proxy's answer to CONNECT; 0 without a tunnel.
    let connectStatus: Int
    let redirectCount: Int

    /// What went wrong, in the words of what really happened: libcurl's codes are broad
    /// (CURLE_UNSUPPORTED_PROTOCOL is also an HTTP/0.9 reply, CURLE_OUT_OF_MEMORY also a huge
    /// header line), and through a proxy most failures are the proxy's.
    func reason(limits: TransportLimits, proxy: ProxyEnvironment.Proxy?) -> TransportError.Reason {
        if bodyExceeded || code == CURLE_FILESIZE_EXCEEDED {
            return .bodyTooLarge(limit: limits.maximumBodyBytes)
        }
        if let proxy, let problem = proxyProblem {
            return .proxyFailed(proxy, problem: problem)
        }
        let interim: Int? = (100..<200).contains(responseStatus) ? responseStatus : nil
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL where message.contains("HTTP/0.9"):
            // libcurl refuses HTTP/0.9 (a body without a status line) with the code for an unsupported scheme.
            return .notHTTP(afterStatus: interim, detail: "no status line (an HTTP/0.9 reply, or another protocol on this port)")
        case CURLE_WEIRD_SERVER_REPLY:
            return .notHTTP(afterStatus: interim, detail: message)
        case CURLE_UNSUPPORTED_PROTOCOL where redirectCount > 0:
            // The first URL's scheme was checked before, so this is where a redirect pointed.
            return .redirectRefused(message)
        case CURLE_GOT_NOTHING where interim != nil, CURLE_PARTIAL_FILE where interim != nil, CURLE_RECV_ERROR where interim != nil:
            return .interimAnswerOnly(status: responseStatus)
        default:
            return limitOrNetworkReason(limits: limits)
        }
    }

    /// The failures that are a limit reached or the network's, not the answer's form.
    private func limitOrNetworkReason(limits: TransportLimits) -> TransportError.Reason {
        switch code {
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

    /// The proxy's part in the failure, when a proxy was in use: curl connects only to it, and
    /// a CONNECT answered with anything but 2xx is the proxy refusing the tunnel.
    var proxyProblem: String? {
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
}
