import Foundation

/// `ocspd check`: one status line with perfdata (Nagios plugin conventions), then one line
/// per staple; or one JSON object.
public struct CheckReport: Sendable {
    public let staples: [StapleHealth]
    public let warning: TimeInterval
    public let critical: TimeInterval
    public let moment: Date
    /// What kept ocspd from judging any staple (an unusable configuration, a wrong argument):
    /// the report is then UNKNOWN, in the format asked for, like every other outcome.
    public let problem: String?
    /// Outputs no longer configured whose state and staple are still there (`LeftStaples`):
    /// named at OK level, the exit code stays that of the configured staples.
    public let leftInPlace: [String]

    public init(
        staples: [StapleHealth], warning: TimeInterval, critical: TimeInterval, at moment: Date, leftInPlace: [String] = []
    ) {
        self.staples = staples
        self.leftInPlace = leftInPlace
        self.warning = warning
        self.critical = critical
        self.moment = moment
        problem = nil
    }

    /// UNKNOWN: nothing could be judged because of `problem`.
    public init(problem: String, at moment: Date = Date()) {
        staples = []
        warning = 0
        critical = 0
        self.moment = moment
        self.problem = problem
        leftInPlace = []
    }

    public var level: StapleHealth.Level {
        problem != nil ? .unknown : staples.map(\.level).max() ?? .unknown
    }

    public var text: String {
        let worst = staples.filter { $0.level == level }
        let summary: String
        if let problem {
            summary = Self.oneLine(problem)
        } else if staples.isEmpty {
            summary = "no staples configured"
        } else if level == .ok {
            let soonest = staples.compactMap { health in health.staple.map { (health, $0.effectiveExpiry) } }.min { $0.1 < $1.1 }
            summary =
                "\(staples.count) staple(s) fine"
                + (soonest.map { ", soonest expiry \($0.0.job.outputPath) in \(InspectReport.duration($0.1.timeIntervalSince(moment)))" }
                    ?? "")
        } else {
            summary = worst.map { "\($0.job.outputPath): \($0.reason)" }.joined(separator: "; ")
        }
        let perfdata = staples.map { health -> String in
            let left = health.staple.map { Int($0.effectiveExpiry.timeIntervalSince(moment)) } ?? 0
            // Nagios perfdata labels are quoted with ' and a ' inside is doubled.
            return "'\(health.job.outputPath.replacingOccurrences(of: "'", with: "''"))'=\(left)s;\(Int(warning));\(Int(critical));0;"
        }.joined(separator: " ")
        var lines = ["OCSPD \(level) - \(summary)" + (perfdata.isEmpty ? "" : " | \(perfdata)")]
        lines += staples.map { "\($0.level): \($0.job.outputPath): \($0.reason)" }
        lines += leftInPlace.map { "\(StapleHealth.Level.ok): \(LeftStaples.line($0))" }
        return lines.map(DisplayText.line).joined(separator: "\n")
    }

    /// Several configuration problems come one per line, after a heading; the status line is one line.
    static func oneLine(_ problem: String) -> String {
        var out = ""
        for line in problem.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty {
            out += out.isEmpty ? line : out.hasSuffix(":") ? " \(line)" : "; \(line)"
        }
        return out
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("status", .string(level.description)),
            ("exitCode", .number(Double(level.rawValue))),
        ]
        if let problem { members.append(("problem", .string(DisplayText.redactingPasswords(problem)))) }
        members.append(
            (
                "staples",
                .array(
                    staples.map { health in
                        .object([
                            ("output", .string(health.job.outputPath)),
                            ("chain", .string(health.job.chainPath)),
                            ("target", .string(health.job.policy.target.rawValue)),
                            ("status", .string(health.level.description)),
                            ("reason", .string(DisplayText.redactingPasswords(health.reason))),
                            ("serialNumber", .optional(health.leaf?.serialNumber)),
                            ("mustStaple", .bool(health.mustStaple)),
                            ("certStatus", .optional(health.certificateStatus)),
                            ("effectiveExpiry", .time(health.staple?.effectiveExpiry)),
                            ("secondsLeft", health.staple.map { .number($0.effectiveExpiry.timeIntervalSince(moment).rounded()) } ?? .null),
                            ("consecutiveFailures", .number(Double(health.state.consecutiveFailures))),
                            ("lastSuccess", .time(health.state.lastSuccess)),
                            ("nextRefresh", .time(health.state.nextAttempt)),
                        ])
                    })
            ))
        if !leftInPlace.isEmpty {
            members.append(
                ("notConfigured", .array(leftInPlace.map { .object([("output", .string($0)), ("note", .string(LeftStaples.line($0)))]) })))
        }
        return .object(members)
    }
}
