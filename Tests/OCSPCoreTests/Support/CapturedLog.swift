import Foundation
import Logging

/// Collects every log message of an in-process run, to check what an operator would read.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    var text: String { lock.withLock { messages.joined(separator: "\n") } }

    func append(_ line: String) { lock.withLock { messages.append(line) } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append("\(event.level): \(event.message)")
        }
    }
}
