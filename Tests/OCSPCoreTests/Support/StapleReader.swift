import Foundation

@testable import OCSPCore

/// A server's view of one staple file: opened and judged every few milliseconds on a thread
/// of its own until stopped; every read that found the file missing, partial or invalid is kept.
final class StapleReader: @unchecked Sendable {
    let path: String
    let subject: StapleSubject
    private let lock = NSLock()
    private var running = true
    private var count = 0
    private var failures: [String] = []

    init(path: String, subject: StapleSubject) {
        self.path = path
        self.subject = subject
    }

    var reads: Int { lock.withLock { count } }
    var bad: [String] { lock.withLock { failures } }

    func run() {
        while lock.withLock({ running }) {
            let failure = judge()
            lock.withLock {
                count += 1
                if let failure { failures.append(failure) }
            }
            usleep(2_000)
        }
    }

    func stop() { lock.withLock { running = false } }

    private func judge() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "file missing at \(Date())" }
        switch StapleOnDisk.judge(Array(data), for: subject, at: Date()) {
        case .valid: return nil
        default: return "invalid file of \(data.count) bytes at \(Date())"
        }
    }
}
