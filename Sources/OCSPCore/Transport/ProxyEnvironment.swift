import Foundation

/// The proxy libcurl takes from the environment for a URL, found the way libcurl 7.88 finds
/// it (`detect_proxy` and `Curl_check_noproxy` in lib/url.c and lib/noproxy.c), so that a
/// failure can name the proxy instead of blaming the responder. ocspd leaves the choice to
/// libcurl; this only reads it back.
public struct ProxyEnvironment: Sendable {
    /// A proxy in use: its URL with any password redacted, and the variable that named it.
    public struct Proxy: Sendable, Hashable, CustomStringConvertible {
        public let url: String
        public let variable: String

        /// "HTTP proxy" for http(s):// proxies (and scheme-less ones, which curl takes as http).
        public var kind: String {
            let lower = url.lowercased()
            return lower.hasPrefix("http://") || lower.hasPrefix("https://") || !lower.contains("://") ? "HTTP proxy" : "proxy"
        }

        public var description: String { "the \(kind) \(url) (from \(variable))" }
    }

    let variables: [String: String]

    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    public func proxy(for url: String) -> Proxy? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            var host = components.host
        else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if Self.excludes(variables["no_proxy"] ?? variables["NO_PROXY"], host: host) { return nil }
        // `<scheme>_proxy`, then its upper-case form except HTTP_PROXY (which a CGI request
        // could set: "httpoxy"), then all_proxy and ALL_PROXY. Set but empty means none.
        var name = "\(scheme)_proxy"
        var value = variables[name]
        if value == nil && name != "http_proxy" {
            name = name.uppercased()
            value = variables[name]
        }
        if value == nil {
            for fallback in ["all_proxy", "ALL_PROXY"] where value == nil {
                name = fallback
                value = variables[fallback]
            }
        }
        guard let value, !value.isEmpty else { return nil }
        return Proxy(url: DisplayText.redactingPasswords(value), variable: name)
    }

    /// Whether `no_proxy` names `host`: `*`, a domain (with or without a leading dot) matching
    /// itself and its subdomains, or an address with an optional CIDR prefix length.
    static func excludes(_ noProxy: String?, host: String) -> Bool {
        guard let noProxy, !noProxy.isEmpty else { return false }
        if noProxy == "*" { return true }
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        let family = IPAddress.family(of: name)
        for raw in noProxy.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            var token = Substring(raw)
            if let family {
                if IPAddress.matches(name, family: family, pattern: String(token)) { return true }
                continue
            }
            if token.hasSuffix(".") { token = token.dropLast() }
            if token.hasPrefix(".") { token = token.dropFirst() }
            guard !token.isEmpty else { continue }
            let lowerName = name.lowercased()
            let lowerToken = token.lowercased()
            if lowerName == lowerToken || lowerName.hasSuffix("." + lowerToken) { return true }
        }
        return false
    }
}

/// The little of IP address parsing `no_proxy` needs.
enum IPAddress {
    static func family(of text: String) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &buffer) == 1 { return AF_INET }
        if inet_pton(AF_INET6, text, &buffer) == 1 { return AF_INET6 }
        return nil
    }

    /// `pattern` is an address of the same family, optionally `/bits`, optionally in brackets.
    static func matches(_ address: String, family: Int32, pattern: String) -> Bool {
        var network = Substring(pattern)
        var bits = family == AF_INET ? 32 : 128
        if let slash = network.firstIndex(of: "/") {
            guard let parsed = Int(network[network.index(after: slash)...]) else { return false }
            bits = parsed == 0 ? bits : parsed
            network = network[..<slash]
        }
        if network.hasPrefix("[") && network.hasSuffix("]") { network = network.dropFirst().dropLast() }
        let length = family == AF_INET ? 4 : 16
        guard bits <= length * 8 else { return false }
        var left = [UInt8](repeating: 0, count: 16)
        var right = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, address, &left) == 1, inet_pton(family, String(network), &right) == 1 else { return false }
        for index in 0..<length {
            let remaining = bits - index * 8
            if remaining <= 0 { break }
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - remaining))
            if left[index] & mask != right[index] & mask { return false }
        }
        return true
    }
}
