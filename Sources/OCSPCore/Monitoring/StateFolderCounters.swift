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

    /// The counts of every staple state file in the folder that ocspd believes, configured or
    /// not. Files in `known` (state path to counts, already judged by `StateStore.load`) are
    /// not read again. The folder is listed by bytes: a name that is not UTF-8 is not a state
    /// file ocspd wrote, and a decoded form of it would name another file.
    func sum(known: [String: RequestCounters]) -> RequestCounters {
        var total = RequestCounters()
        for counts in known.values { total.add(requests: counts.requests, failures: counts.failures) }
        guard case .success(let names) = FolderListing.names(in: directory) else { return total }
        for bytes in names {
            guard let name = ByteText.utf8(bytes), Self.mayBeStateFile(name) else { continue }
            let path = "\(directory)/\(name)"
            guard known[path] == nil, let counts = Self.counts(inStateFile: path) else { continue }
            total.add(requests: counts.requests, failures: counts.failures)
        }
        return total
    }

    static func mayBeStateFile(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.contains(AtomicFileWriter.temporaryMarker)
    }

    /// The counters of one staple state file, when ocspd believes it as `StateStore.load` does
    /// (`StateFileTrust`: a regular file of root or of the user ocspd runs as, with one name,
    /// judged on the descriptor read); nil for anything else: another user's file (the state
    /// folder may be theirs to write, and any count they wrote would be published as root's),
    /// another record, a corrupt file, a negative count.
    static func counts(inStateFile path: String) -> RequestCounters? {
        guard case .success(let read) = SafeFileRead.readWithStatus(path, maximum: LocalFileLimit.bytes),
            StateFileTrust.believable(read.status),
            let file = try? JSONDecoder().decode(CountersInStateFile.self, from: Data(read.bytes))
        else { return nil }
        let counts = RequestCounters(requests: file.requests ?? [:], failures: file.failures ?? [:])
        return counts.isPlausible ? counts : nil
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

    /// The ledger, believed by the same rule as a state file: otherwise anyone who may write
    /// the state folder would set the counters root publishes, and the ledger would keep them.
    func readLedger() -> LedgerRead {
        switch SafeFileRead.readWithStatus(ledgerPath, maximum: LocalFileLimit.counterLedger) {
        case .failure(.missing):
            return .missing
        case .failure(let error):
            return .unreadable(error.description)
        case .success(let read):
            guard StateFileTrust.believable(read.status) else {
                return .unreadable(
                    "not ocspd's own ledger (owner uid \(read.status.st_uid), \(read.status.st_nlink) name(s); ocspd believes only "
                        + "a file of root or of the user it runs as, with one name), so it is replaced"
                )
            }
            guard let ledger = try? JSONDecoder().decode(CounterLedger.self, from: Data(read.bytes)) else {
                return .unreadable("not a counter ledger ocspd can read")
            }
            guard ledger.isPlausible else { return .unreadable("it holds a negative count, which ocspd never writes") }
            return .found(ledger)
        }
    }

    func save(_ ledger: CounterLedger) throws(AtomicWriteError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(ledger) else { return }
        // Synced: a ledger lost to a power cut after the metrics file survived could publish less.
        // The writer's own: a ledger someone else planted must not stay theirs (never believed).
        try AtomicFileWriter.write(
            Array(data), as: .counterLedger, to: ledgerPath, temporary: .lockHeld, durability: .synced, ownership: .writers)
    }
}
