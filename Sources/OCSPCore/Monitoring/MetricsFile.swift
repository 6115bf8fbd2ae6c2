import Foundation

/// Prometheus text exposition for node_exporter's textfile collector, written atomically.
public enum MetricsFile {
    /// What the file says about one staple: a few numbers, not the whole assessment, so that
    /// ten thousand staples fit in little memory.
    public struct Row: Sendable {
        /// `output="...",serial="..."`, escaped once.
        let labels: String
        let effectiveExpiry: Date?
        let thisUpdate: Date?
        let lastSuccess: Date?
        let nextAttempt: Date?
        let consecutiveFailures: Int
        let valid: Bool
        let mustStaple: Bool
        let status: String?
        let requests: [String: Int]
        let failures: [String: Int]

        public init(_ health: StapleHealth) {
            labels =
                "output=\"\(MetricsFile.escape(health.job.outputPath))\",serial=\"\(MetricsFile.escape(health.leaf?.serialNumber ?? ""))\""
            effectiveExpiry = health.staple?.effectiveExpiry
            thisUpdate = health.staple?.thisUpdate
            lastSuccess = health.state.lastSuccess
            nextAttempt = health.state.nextAttempt
            consecutiveFailures = health.state.consecutiveFailures
            valid = health.staple != nil && health.level != .critical
            mustStaple = health.mustStaple
            status = health.certificateStatus
            requests = health.state.requests
            failures = health.state.failures
        }
    }

    /// - Parameter counters: the request and failure counters to publish; by default the
    ///   sum over `rows` (`MetricsWriting` passes the whole state folder's, kept from going down).
    public static func render(rows: [Row], counters: RequestCounters? = nil) -> String {
        var exposition = Exposition()
        addStapleFamilies(rows, to: &exposition)
        let totals = counters ?? rows.reduce(into: RequestCounters()) { $0.add(requests: $1.requests, failures: $1.failures) }
        addCounterFamilies(totals, to: &exposition)
        return exposition.text
    }

    /// The text being built, one metric family after another.
    private struct Exposition {
        var text = ""

        mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples {
                text += labels.isEmpty ? "\(name) \(format(value))\n" : "\(name){\(labels)} \(format(value))\n"
            }
        }

        /// A gauge of timestamps: rows without the date have no sample.
        mutating func dates(_ name: String, _ help: String, _ rows: [Row], _ date: (Row) -> Date?) {
            family(name, "gauge", help, rows.compactMap { row in date(row).map { (row.labels, $0.timeIntervalSince1970) } })
        }
    }

    /// The series of `ocspd_staple_status`, one per status a proof can give.
    private static let statuses = ["good", "revoked", "unknown"]

    /// One sample per staple in each family.
    private static func addStapleFamilies(_ rows: [Row], to out: inout Exposition) {
        out.dates(
            "ocspd_staple_effective_expiry_timestamp_seconds",
            "When the staple in place stops being valid (min of nextUpdate, signer and certificate notAfter).", rows
        ) { $0.effectiveExpiry }
        out.dates("ocspd_staple_this_update_timestamp_seconds", "thisUpdate of the staple in place.", rows) { $0.thisUpdate }
        out.dates("ocspd_staple_last_success_timestamp_seconds", "When the last refresh succeeded.", rows) { $0.lastSuccess }
        out.dates("ocspd_staple_next_refresh_timestamp_seconds", "When the next refresh is scheduled.", rows) { $0.nextAttempt }
        out.family(
            "ocspd_staple_consecutive_failures", "gauge", "Failed refreshes since the last success.",
            rows.map { ($0.labels, Double($0.consecutiveFailures)) })
        out.family(
            "ocspd_staple_valid", "gauge", "1 when a staple the target accepts is in place.", rows.map { ($0.labels, $0.valid ? 1 : 0) })
        out.family(
            "ocspd_staple_must_staple", "gauge", "1 when the certificate demands stapling (TLS Feature, RFC 7633).",
            rows.map { ($0.labels, $0.mustStaple ? 1 : 0) })
        out.family(
            "ocspd_staple_status", "gauge", "Certificate status of the staple in place, one series per status.",
            rows.flatMap { row in
                Self.statuses.map { status in ("\(row.labels),status=\"\(status)\"", row.status == status ? 1 : 0) }
            })
    }

    /// The request and failure counters, by responder (and reason).
    private static func addCounterFamilies(_ totals: RequestCounters, to out: inout Exposition) {
        let requests = totals.requests
        let failures = totals.failures
        out.family(
            "ocspd_requests_total", "counter", "OCSP requests sent, by responder.",
            requests.keys.sorted().map { ("responder=\"\(escape($0))\"", Double(requests[$0] ?? 0)) })
        out.family(
            "ocspd_failures_total", "counter", "Failed OCSP requests, by responder and reason.",
            failures.keys.sorted().map { key in
                let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                return (
                    "responder=\"\(escape(parts.first ?? ""))\",reason=\"\(escape(parts.count > 1 ? parts[1] : ""))\"",
                    Double(failures[key] ?? 0)
                )
            })
    }

    public static func write(rows: [Row], counters: RequestCounters? = nil, to path: String) throws(AtomicWriteError) {
        try AtomicFileWriter.write(Array(render(rows: rows, counters: counters).utf8), as: .metricsFile, to: path)
    }

    /// Label values escape backslash, double quote and newline, as the exposition format
    /// requires; it knows no other escape, so a carriage return, a tab and every other control
    /// `DisplayText` makes visible are written as the text `\r`, `\t`, `\u{XX}` (a backslash
    /// escaped). By Unicode scalar, never by Character: "\r\n" is one Character, equal to
    /// neither "\r" nor "\n", and a file name holding it would otherwise start a new line,
    /// forge a sample, and make node_exporter reject the whole file.
    static func escape(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || DisplayText.needsEscape($0) }) else {
            return value
        }
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            case _ where DisplayText.needsEscape(scalar):
                // `\r` as DisplayText shows it, its backslash escaped for the label value.
                escaped.append(
                    contentsOf: DisplayText.escapingControls(String(scalar)).replacingOccurrences(of: "\\", with: "\\\\").unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
