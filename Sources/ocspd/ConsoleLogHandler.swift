import ArgumentParser
import Foundation
import Logging
import OCSPCore

/// One line per message on standard error. `text`: `ocspd: LEVEL: message`, what cron mails
/// and journald stores (it adds its own timestamps). `json`: one object per line with the
/// time, level, message and the outcome's fields (output, serial, status, ...).
///
/// Messages carry text from outside (URLs, names of files in watched folders, libcurl's
/// words): every one is made a single line here (`DisplayText`), so no message can forge
/// another, and URL passwords are redacted in both formats.
struct ConsoleLogHandler: LogHandler {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String, format: Format = .text) {
        self.label = label
        self.format = format
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        switch format {
        case .text:
            StandardError.write("ocspd: \(event.level.name): \(DisplayText.line(event.message.description))\n")
        case .json:
            var members: [(String, JSONValue)] = [
                ("time", .string(RFC3339.string(Date()))),
                ("level", .string(event.level.name)),
                ("message", .string(DisplayText.redactingPasswords(event.message.description))),
            ]
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            for key in merged.keys.sorted() {
                members.append((key, .string(DisplayText.redactingPasswords(merged[key].map { "\($0)" } ?? ""))))
            }
            StandardError.write(JSONValue.object(members).rendered(indent: "", level: 0).replacingOccurrences(of: "\n", with: "") + "\n")
        }
    }
}

extension Logger.Level {
    /// syslog's words, which operators grep for.
    var name: String {
        switch self {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "critical"
        }
    }
}
