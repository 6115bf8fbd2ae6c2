import Foundation

/// The state folder's files one by one, for the collection (`StateCollector`), the cleanup of
/// a removed chain (`RemovedChainCleanup`) and `ocspd check`: looked at, read and unlinked in
/// the folder's descriptor, never through a path someone could swap on the way.
extension StateStore {
    /// The name of `output`'s state file in the state folder.
    public func stateFileName(for output: String) -> String { "\(key(for: output)).json" }

    /// What the configuration maintains, as state file names and outputs.
    public func configured(_ jobs: [RefreshJob]) -> StateCollection.Configured {
        // A state file's name costs a digest: thousands are named on every core.
        let store = self
        let names = ParallelMap.map(jobs) { job in (store.stateFileName(for: job.outputPath), PathKey(Self.absolute(job.outputPath))) }
        return StateCollection.Configured(stateNames: Set(names.map(\.0)), outputs: Set(names.map(\.1)))
    }

    /// The names in the state folder that may be state files, with the status of each (not
    /// following a link; regular files only). Names in `skipped` are passed over without a
    /// look: the collection and the sweep leave a configured output's state file alone by its
    /// name, and at thousands of staples a `stat` each was most of what a run with nothing to
    /// collect cost. Nil when the folder cannot be opened or listed.
    func stateFiles(skipping skipped: Set<String> = []) -> (folder: SafeFolder, files: [(name: String, status: stat)])? {
        guard let folder = stateFolder(), case .success(let names) = FolderListing.names(in: directory) else { return nil }
        var files: [(name: String, status: stat)] = []
        for bytes in names {
            // A name that is not UTF-8 is no state file ocspd wrote.
            guard let name = ByteText.utf8(bytes), StateCollection.isStateFileName(name), !skipped.contains(name),
                case .success(let status) = folder.entry(name), status.st_mode & S_IFMT == S_IFREG
            else { continue }
            files.append((name, status))
        }
        return (folder, files)
    }

    /// The output a state file records, when ocspd believes the file (`StateFileTrust`): a
    /// file someone else wrote names nothing ocspd acts on.
    static func recordedOutput(of name: String, in folder: SafeFolder) -> String? {
        recorded(name, in: folder)?.outputPath
    }

    /// This host's name, as the state records who refreshed an output last.
    static let hostName = ProcessInfo.processInfo.hostName

    /// What a believed state file records: its output, its chain and host (nil in files older
    /// ocspd wrote) and its next planned attempt.
    static func recorded(_ name: String, in folder: SafeFolder) -> RecordedOutput? {
        guard case .success(let read) = SafeFileRead.readWithStatus(name, in: folder, maximum: LocalFileLimit.bytes),
            StateFileTrust.believable(read.status)
        else { return nil }
        let decoder = StateDates.decoder()
        return try? decoder.decode(RecordedOutput.self, from: Data(read.bytes))
    }

    struct RecordedOutput: Decodable {
        let outputPath: String
        let chainPath: String?
        let host: String?
        let nextAttempt: Date?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            outputPath = try container.decode(String.self, forKey: .outputPath)
            chainPath = try? container.decodeIfPresent(String.self, forKey: .chainPath)
            host = try? container.decodeIfPresent(String.self, forKey: .host)
            nextAttempt = try? container.decodeIfPresent(Date.self, forKey: .nextAttempt)
        }

        private enum CodingKeys: String, CodingKey { case outputPath, chainPath, host, nextAttempt }
    }

    /// Unlinks the state file `name`, when it is still the file last looked at (same inode,
    /// same last write): one written meanwhile (another host refreshed it) stays. Nil when
    /// removed or already gone, else why not.
    func removeStateFile(named name: String, in folder: SafeFolder, lookedAt expected: stat) -> String? {
        switch folder.entry(name) {
        case .failure(ENOENT): return nil
        case .failure(let error): return error.text
        case .success(let now):
            guard now.st_dev == expected.st_dev, now.st_ino == expected.st_ino, now.st_mtim.tv_sec == expected.st_mtim.tv_sec,
                now.st_mtim.tv_nsec == expected.st_mtim.tv_nsec
            else { return "it was written again meanwhile" }
        }
        if let code = folder.unlink(name), code != ENOENT { return SystemError(code).text }
        folder.sync()
        return nil
    }
}

extension stat {
    /// The last write, as a date.
    var modified: Date {
        Date(timeIntervalSince1970: TimeInterval(st_mtim.tv_sec) + TimeInterval(st_mtim.tv_nsec) / 1e9)
    }
}
