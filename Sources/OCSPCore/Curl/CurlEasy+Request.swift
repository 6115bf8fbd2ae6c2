internal import CCurl
import Foundation

extension CurlEasy {
    /// Sets the handle up for `request` with ocspd's rules: http and https only (also across
    /// redirects), at most `limits.maximumRedirects` redirects, POST kept as POST, bounded
    /// time and body size.
    func configure(
        for request: HTTPRequest, limits: TransportLimits, userAgent: String, cancellation: CancellationFlag?
    ) throws(CurlSetupError) {
        try prepare()
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 1)
        try set(CURLOPT_MAXREDIRS, limits.maximumRedirects)
        // Keep POST a POST across 301, 302 and 303 (CURL_REDIR_POST_ALL).
        try set(CURLOPT_POSTREDIR, 7)
        let total = Self.milliseconds(min(limits.totalTimeout, request.timeout ?? limits.totalTimeout))
        try set(CURLOPT_CONNECTTIMEOUT_MS, min(total, Self.milliseconds(limits.connectTimeout)))
        try set(CURLOPT_TIMEOUT_MS, total)
        try set(CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
        try set(CURLOPT_LOW_SPEED_TIME, max(1, Int(limits.lowSpeedWindow)))
        try set(CURLOPT_MAXFILESIZE, limits.maximumBodyBytes)
        // No signals from curl's resolver: ocspd is multi-threaded.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_USERAGENT, userAgent)
        if let cancellation {
            try abort(when: cancellation)
        }
        if request.method == .post {
            try setBody(request.body)
            try setHeaders(["Content-Type: \(request.contentType ?? "application/octet-stream")"])
        }
    }

    /// A timeout for curl: at least 1 ms, because curl reads 0 as "no limit".
    static func milliseconds(_ seconds: TimeInterval) -> Int {
        guard seconds.isFinite else { return 1 }
        return max(1, Int(min(seconds, 86_400) * 1000))
    }
}
