import Foundation
import Testing

/// Prometheus's `promtool`, which parses a metrics file the way Prometheus does.
/// scripts/test.sh puts it at /usr/local/bin/promtool (taken out of Debian's prometheus
/// package without installing it). Where it is missing, the check is skipped with a printed
/// reason; in CI (`CI` set) a missing promtool fails the test instead of skipping silently.
enum Promtool {
    static let path: String? = {
        let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/promtool" }
        return (onPath + ["/usr/local/bin/promtool", "/usr/bin/promtool"]).first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Expects `promtool check metrics` to accept the file at `metrics`.
    static func expectValidMetrics(_ metrics: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let path else {
            let reason = "promtool is not installed (PATH, /usr/local/bin); scripts/test.sh installs it"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("\(reason): in CI the metrics file must be checked", sourceLocation: sourceLocation)
            } else {
                print("skipped the promtool check of \(metrics): \(reason)")
            }
            return
        }
        // promtool reads the metrics from standard input.
        let check = try Command.run("/bin/sh", ["-c", "exec \"$0\" check metrics < \"$1\"", path, metrics])
        #expect(check.status == 0, "\(check.stdoutText)\(check.stderr)", sourceLocation: sourceLocation)
    }
}
