import Foundation

/// The counters of a whole state folder, and the ledger that keeps them from going down
/// (`CounterLedger`), in `metrics-counters.ledger` beside the staples' state files.
struct StateFolderCounters {
    let directory: String

    var ledgerPath: String { "\(directory)/metrics-counters.ledger" }
    var lockPath: String { "\(directory)/metrics-counters.lock" }

    /// Serialises metrics writers of one state folder (a daemon and a cron run): each reads
    /// the state files and publishes under this lock, so the last file written holds the
    /// highest counts. Waits a bounded time: nil when another writer keeps it longer.
    func lock(waiting seconds: Int = 30) throws(StateError) -> StapleLock? {
        for attempt in 0...(seconds * 10) {
            if let lock = try OutputLock.acquire(lockFile: lockPath) { return lock }
            if attempt < seconds * 10 { usleep(100_000) }
        }
        return nil
    }

    /// The counts of every staple state file in the folder, configured or not. Files in
    /// `known` (state path to counts) were read already and are not read again.
    func sum(known: [String: RequestCounters]) -> RequestCounters {
        var total = RequestCounters()
        for counts in known.values { total.add(requests: counts.requests, failures: counts.failures) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return total }
        for name in names where name.hasSuffix(".json") && !name.contains(StapleWriter.temporaryMarker) {
            let path = "\(directory)/\(name)"
            guard known[path] == nil, path != ledgerPath, let counts = Self.counts(inStateFile: path) else { continue }
            total.add(requests: counts.requests, failures: counts.failures)
        }
        return total
    }

    /// The counters of one staple state file; nil for anything else (another record, a
    /// corrupt file, something that is not a regular file and might block a read).
    static func counts(inStateFile path: String) -> RequestCounters? {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
              case .success(let bytes) = FileBytes.read(path, maximum: 1 << 20),
              let file = try? JSONDecoder().decode(CountersInStateFile.self, from: Data(bytes)) else { return nil }
        return RequestCounters(requests: file.requests ?? [:], failures: file.failures ?? [:])
    }

    /// Only what is needed of `StapleState`: `outputPath` says it is one.
    private struct CountersInStateFile: Decodable {
        let outputPath: String
        let requests: [String: Int]?
        let failures: [String: Int]?
    }

    enum LedgerRead {
        case found(CounterLedger)
        case missing
        case unreadable(String)
    }

    func readLedger() -> LedgerRead {
        switch FileBytes.read(ledgerPath, maximum: 16 << 20) {
        case .failure(.missing):
            return .missing
        case .failure(let error):
            return .unreadable(error.description)
        case .success(let bytes):
            guard let ledger = try? JSONDecoder().decode(CounterLedger.self, from: Data(bytes)) else {
                return .unreadable("not a counter ledger ocspd can read")
            }
            return .found(ledger)
        }
    }

    func save(_ ledger: CounterLedger) throws(StapleWriteError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(ledger) else { return }
        // Synced: a ledger lost to a power cut after the metrics file survived could publish less.
        try StapleWriter.write(Array(data), to: ledgerPath, temporary: .lockHeld, durability: .synced)
    }
}
