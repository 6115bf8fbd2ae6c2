import Foundation
import Logging

public enum MetricsWriting {
    /// Assesses `jobs` from disk, on every core, and writes the metrics file; a failure is logged, never fatal.
    public static func write(_ jobs: [RefreshJob], store: StateStore, to path: String, logger: Logger, at moment: Date = Date()) {
        let sorted = jobs.sorted { $0.outputPath < $1.outputPath }
        let rows = RowSlots(count: sorted.count)
        DispatchQueue.concurrentPerform(iterations: sorted.count) { index in
            rows.set(index, MetricsFile.Row(StapleHealth.assess(sorted[index], store: store, at: moment, warning: 0, critical: 0)))
        }
        do {
            try MetricsFile.write(rows: rows.all, to: path)
        } catch {
            logger.warning("could not write the metrics file: \(error)")
        }
    }

    /// One slot per job, each written by exactly one iteration of `concurrentPerform`.
    private final class RowSlots: @unchecked Sendable {
        private var rows: [MetricsFile.Row?]
        private let lock = NSLock()

        init(count: Int) { rows = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ row: MetricsFile.Row) { lock.withLock { rows[index] = row } }

        var all: [MetricsFile.Row] { lock.withLock { rows.compactMap { $0 } } }
    }
}
