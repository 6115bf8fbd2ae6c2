import Foundation
import Logging

/// One line per message on standard error, `ocspd: LEVEL: message`: what cron mails and
/// journald stores (it adds its own timestamps), without a second timestamp.
struct ConsoleLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        StandardError.write("ocspd: \(event.level.name): \(event.message)\n")
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
