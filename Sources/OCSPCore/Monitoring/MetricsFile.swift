import Foundation

/// Prometheus text exposition for node_exporter's textfile collector, written atomically.
public enum MetricsFile {
    public static func render(_ staples: [StapleHealth]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(format(sample.value))\n"
            }
        }
        func labels(_ health: StapleHealth) -> [(String, String)] {
            [("output", health.job.outputPath), ("serial", health.leaf?.serialNumber ?? "")]
        }
        family("ocspd_staple_effective_expiry_timestamp_seconds", "gauge", "When the staple in place stops being valid (min of nextUpdate, signer and certificate notAfter).",
               staples.compactMap { h in h.staple.map { (labels(h), $0.effectiveExpiry.timeIntervalSince1970) } })
        family("ocspd_staple_this_update_timestamp_seconds", "gauge", "thisUpdate of the staple in place.",
               staples.compactMap { h in h.staple.map { (labels(h), $0.thisUpdate.timeIntervalSince1970) } })
        family("ocspd_staple_last_success_timestamp_seconds", "gauge", "When the last refresh succeeded.",
               staples.compactMap { h in h.state.lastSuccess.map { (labels(h), $0.timeIntervalSince1970) } })
        family("ocspd_staple_next_refresh_timestamp_seconds", "gauge", "When the next refresh is scheduled.",
               staples.compactMap { h in h.state.nextAttempt.map { (labels(h), $0.timeIntervalSince1970) } })
        family("ocspd_staple_consecutive_failures", "gauge", "Failed refreshes since the last success.",
               staples.map { (labels($0), Double($0.state.consecutiveFailures)) })
        family("ocspd_staple_valid", "gauge", "1 when a staple the target accepts is in place.",
               staples.map { (labels($0), $0.staple != nil && $0.level != .critical ? 1 : 0) })
        family("ocspd_staple_must_staple", "gauge", "1 when the certificate demands stapling (TLS Feature, RFC 7633).",
               staples.map { (labels($0), $0.mustStaple ? 1 : 0) })
        family("ocspd_staple_status", "gauge", "Certificate status of the staple in place, one series per status.",
               staples.flatMap { h in ["good", "revoked", "unknown"].map { status in
                   (labels(h) + [("status", status)], h.staple?.status.name == status ? 1 : 0) } })
        var requests: [String: Int] = [:]
        var failures: [String: Int] = [:]
        for health in staples {
            requests.merge(health.state.requests, uniquingKeysWith: +)
            failures.merge(health.state.failures, uniquingKeysWith: +)
        }
        family("ocspd_requests_total", "counter", "OCSP requests sent, by responder.",
               requests.keys.sorted().map { ([("responder", $0)], Double(requests[$0] ?? 0)) })
        family("ocspd_failures_total", "counter", "Failed OCSP requests, by responder and reason.",
               failures.keys.sorted().map { key in
                   let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                   return ([("responder", parts.first ?? ""), ("reason", parts.count > 1 ? parts[1] : "")], Double(failures[key] ?? 0))
               })
        return out
    }

    public static func write(_ staples: [StapleHealth], to path: String) throws(StapleWriteError) {
        try StapleWriter.write(Array(render(staples).utf8), to: path)
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
