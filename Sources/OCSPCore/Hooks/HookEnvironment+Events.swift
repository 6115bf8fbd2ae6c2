import Foundation

/// What `on-revoked` and `on-failure` hooks are told, beside what every hook gets (`HookEnvironment`).
extension HookEnvironment {
    /// `on-revoked`: OCSPD_EVENT=revoked, the certificate (OCSPD_CHAIN, OCSPD_OUTPUT,
    /// OCSPD_TARGET, OCSPD_SERIAL in hex, OCSPD_CERTIFICATE its subject), the revocation
    /// (OCSPD_REVOCATION_TIME in RFC 3339, OCSPD_REVOCATION_REASON as RFC 5280 names it,
    /// empty when the CA gave none) and OCSPD_RECORD, the revocation record holding the proof.
    static func revoked(job: RefreshJob, subject: StapleSubject, status: CertStatus, record: String) -> [String: String] {
        var variables = [
            "OCSPD_EVENT": "revoked",
            "OCSPD_CHAIN": job.chainPath,
            "OCSPD_OUTPUT": job.outputPath,
            "OCSPD_TARGET": job.policy.target.rawValue,
            "OCSPD_SERIAL": subject.leaf.serialNumber,
            "OCSPD_CERTIFICATE": subject.leaf.subject,
            "OCSPD_RECORD": record,
        ]
        if case .revoked(let time, let reason) = status {
            variables["OCSPD_REVOCATION_TIME"] = RFC3339.string(time)
            variables["OCSPD_REVOCATION_REASON"] = reason.map { "\($0)" } ?? ""
        }
        return variables
    }

    /// How many outputs OCSPD_OUTPUTS lists at most: the environment has room for a few
    /// kilobytes, not for ten thousand paths.
    static let listedOutputs = 100

    /// `on-failure`, for one coalesced event (`EventDispatch.Group`): OCSPD_EVENT (failing,
    /// recovered), OCSPD_REASON (consecutive-failures, staple-expiring), OCSPD_URL (the
    /// responder), OCSPD_EVENT_STAPLES (how many staples the event covers), OCSPD_OUTPUT and
    /// OCSPD_CHAIN (the first of them), OCSPD_OUTPUTS (the first `listedOutputs`, one a line,
    /// a newline or backslash in a name written `\n`, `\\`), OCSPD_OUTPUTS_LEFT_OUT (how many
    /// were not listed), OCSPD_FAILURES (the most consecutive failures among them) and, when
    /// a valid staple is still in place, OCSPD_TIME_LEFT (seconds until the first of them
    /// expires) and OCSPD_EXPIRY (when, RFC 3339); both empty when none is.
    static func failureEvent(_ group: EventDispatch.Group, at now: Date) -> [String: String] {
        let notices = group.notices
        let listed = notices.prefix(listedOutputs).map { escapedLine($0.output) }
        let expiry = notices.compactMap(\.expiry).min()
        return [
            "OCSPD_EVENT": group.event.kind.rawValue,
            "OCSPD_REASON": group.event.reason.rawValue,
            "OCSPD_URL": group.url,
            "OCSPD_EVENT_STAPLES": String(notices.count),
            "OCSPD_OUTPUT": notices.first?.output ?? "",
            "OCSPD_CHAIN": notices.first?.chain ?? "",
            "OCSPD_OUTPUTS": listed.joined(separator: "\n"),
            "OCSPD_OUTPUTS_LEFT_OUT": String(notices.count - listed.count),
            "OCSPD_FAILURES": String(notices.map(\.failures).max() ?? 0),
            "OCSPD_TIME_LEFT": expiry.map { String(max(0, Int($0.timeIntervalSince(now)))) } ?? "",
            "OCSPD_EXPIRY": expiry.map(RFC3339.string) ?? "",
        ]
    }

    private static func escapedLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
