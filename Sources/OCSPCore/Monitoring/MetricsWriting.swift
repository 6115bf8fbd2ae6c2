import Foundation
import Logging

public enum MetricsWriting {
    /// Assesses `jobs` from disk, on every core, and writes the metrics file; a failure is logged, never fatal.
    ///
    /// The request and failure counters cover every staple state file of the state folder,
    /// configured or not, and never go down (`CounterLedger`). Writers of one state folder take
    /// turns, so two processes cannot publish counts out of order.
    public static func write(_ jobs: [RefreshJob], store: StateStore, to path: String, logger: Logger, at moment: Date = Date()) {
        let folder = StateFolderCounters(directory: store.directory)
        guard case .proceed(let turn) = takeTurn(in: folder, writing: path, logger: logger) else { return }
        // The turn lasts until the file is written: the last file written holds the highest counts.
        defer { withExtendedLifetime(turn) {} }
        let sorted = jobs.sorted { $0.outputPath < $1.outputPath }
        let rows = RowSlots(count: sorted.count)
        DispatchQueue.concurrentPerform(iterations: sorted.count) { index in
            rows.set(index, MetricsFile.Row(StapleHealth.assess(sorted[index], store: store, at: moment, warning: 0, critical: 0)))
        }
        let all = rows.all
        var known: [String: RequestCounters] = [:]
        for (job, row) in zip(sorted, all) {
            known[store.statePath(for: job.outputPath)] = RequestCounters(requests: row.requests, failures: row.failures)
        }
        let counters = publish(folder.sum(known: known), in: folder, keepsLedger: turn != nil, logger: logger)
        do {
            try MetricsFile.write(rows: all, counters: counters, to: path)
        } catch {
            logger.warning("could not write the metrics file: \(error)")
        }
    }

    private enum Turn {
        /// Write, holding the lock if there is one (none without a state folder, or when it cannot be locked).
        case proceed(StapleLock?)
        case skip
    }

    private static func takeTurn(in folder: StateFolderCounters, writing path: String, logger: Logger) -> Turn {
        var status = stat()
        if stat(folder.directory, &status) != 0 && errno == ENOENT {
            // No state folder yet (nothing was ever refreshed with it): no counts to keep.
            return .proceed(nil)
        }
        do {
            guard let lock = try folder.lock() else {
                logger.warning(
                    "did not write the metrics file \(path): another ocspd kept \(folder.lockPath) for 30 s; the next write catches up")
                return .skip
            }
            return .proceed(lock)
        } catch {
            logger.warning("the metrics file's counters may go down after this write: \(error)")
            return .proceed(nil)
        }
    }

    /// The counters to publish: the folder's sums raised by the ledger, which is updated.
    private static func publish(_ sums: RequestCounters, in folder: StateFolderCounters, keepsLedger: Bool, logger: Logger)
        -> RequestCounters
    {
        guard keepsLedger else { return sums }
        let ledger: CounterLedger
        switch folder.readLedger() {
        case .found(let found):
            ledger = found
        case .missing:
            ledger = CounterLedger()
        case .unreadable(let why):
            logger.warning("\(folder.ledgerPath): \(why); the request counters start again from the state files, and may go down once")
            ledger = CounterLedger()
        }
        let next = ledger.advanced(to: sums)
        if next != ledger {
            do {
                try folder.save(next)
            } catch {
                logger.warning("could not record the published counters: \(error); they may go down after a later write")
            }
        }
        return next.published
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
