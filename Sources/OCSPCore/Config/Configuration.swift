import Foundation

/// What `ocspd run` and `ocspd refresh --config` maintain, as loaded from the configuration file.
public struct Configuration: Sendable {
    public var stateDirectory: String
    /// How often chain files are checked for a renewal (and folders for new chains).
    public var watchInterval: TimeInterval
    /// Entries listed one by one.
    public var staples: [RefreshJob]
    /// Folders whose every PEM chain is maintained.
    public var directories: [DirectorySource]
    /// Refuse responder and caIssuers addresses on loopback, private and link-local ranges.
    public var refusePrivateAddresses: Bool = false
    /// How many refreshes run at once, overall and per responder.
    public var concurrency = ConcurrencyLimits()
    /// Files and folders entries name that are missing or unreadable at load: `--check-config`
    /// refuses them; otherwise each is that entry's failure (see `ConfigurationLoader`).
    public var fileProblems: [ConfigurationError.Problem] = []

    public static let defaultWatchInterval: TimeInterval = 300

    /// A folder of chains (HAProxy's `crt` folder): `NAME.ocsp` beside each chain, or in `outputDirectory`.
    public struct DirectorySource: Sendable, Hashable {
        public var path: String
        public var outputDirectory: String?
        /// Everything but chain and output.
        public var template: RefreshJob

        /// Why the folder cannot be listed now, if it cannot.
        public var listingFailure: String? {
            guard case .failure(let error) = FolderListing.names(in: path) else { return nil }
            return error.description
        }

        /// The chains this folder holds now, and the names of chains that cannot be taken: a
        /// name that is not UTF-8 is that chain's failure (it is shown escaped), never taken
        /// in a decoded form that names another file. Names are listed and ordered as bytes.
        public func scan() -> (jobs: [RefreshJob], failures: [String]) {
            guard case .success(let names) = FolderListing.names(in: path) else { return ([], []) }
            var jobs: [RefreshJob] = []
            var failures: [String] = []
            for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) where Self.isChainName(name) {
                guard let text = ByteText.utf8(name) else {
                    failures.append(
                        "the folder \(path) holds a chain named \(ByteText.shown(name)), which is not UTF-8 text; ocspd takes paths byte for byte or refuses them, so it is not maintained: rename it"
                    )
                    continue
                }
                var job = template
                job.chainPath = "\(path)/\(text)"
                job.outputPath = "\(outputDirectory ?? path)/\(text).ocsp"
                jobs.append(job)
            }
            return (jobs, failures)
        }

        /// Non-dot `*.pem`, `*.crt`, `*.cer`, judged on the bytes.
        static func isChainName(_ name: [UInt8]) -> Bool {
            name.first != UInt8(ascii: ".")
                && [".pem", ".crt", ".cer"].contains { name.count > 4 && name.suffix(4).elementsEqual($0.utf8) }
        }
    }

    /// A chain found in a folder that is not maintained: its name is not UTF-8, or its output
    /// is another entry's output or a configured chain. It fails alone; the others proceed.
    public struct EntryFailure: Sendable {
        /// The index in `directories` of the folder it was found in.
        public let directory: Int
        public let message: String
    }

    /// Every staple to maintain now, folders expanded; one entry per output file, whatever
    /// its spelling. Listed entries were checked at load; a chain found in a folder whose
    /// output is already a listed entry's, or another found chain's (two folders with one
    /// `output-dir`), or a configured chain, is not maintained and is listed in `failures`:
    /// which of the two is meant cannot be known, and a folder's content changes at any time,
    /// so the others must go on. Outputs are compared by their bytes (`OutputIdentity`).
    public func expansion() -> (jobs: [RefreshJob], failures: [EntryFailure]) {
        var owners: [PathKey: RefreshJob] = [:]
        var jobs: [RefreshJob] = []
        for job in staples {
            let identity = OutputIdentity.of(job.outputPath)
            guard owners[identity] == nil else { continue }
            owners[identity] = job
            jobs.append(job)
        }
        var failures: [EntryFailure] = []
        var found: [(directory: Int, job: RefreshJob, identity: PathKey)] = []
        for (index, directory) in directories.enumerated() {
            let scan = directory.scan()
            failures += scan.failures.map { EntryFailure(directory: index, message: $0) }
            found += scan.jobs.map { (index, $0, OutputIdentity.of($0.outputPath)) }
        }
        let chains = Set((staples.map(\.chainPath) + found.map(\.job.chainPath)).map(OutputIdentity.of))
        var writers: [PathKey: [RefreshJob]] = [:]
        for entry in found { writers[entry.identity, default: []].append(entry.job) }
        for entry in found {
            let job = entry.job
            let notMaintained = "the chain \(job.chainPath) found in \(directories[entry.directory].path) is not maintained"
            if let owner = owners[entry.identity] {
                failures.append(
                    EntryFailure(
                        directory: entry.directory,
                        message:
                            "\(job.outputPath) is the same file as the output of the listed entry for \(owner.chainPath) (\(owner.outputPath)); \(notMaintained): each output belongs to one entry"
                    ))
            } else if let others = writers[entry.identity], others.count > 1 {
                let other = others.first { PathKey($0.chainPath) != PathKey(job.chainPath) } ?? others[0]
                failures.append(
                    EntryFailure(
                        directory: entry.directory,
                        message:
                            "\(job.outputPath) is the same file as the output for \(other.chainPath) (\(other.outputPath)); \(notMaintained), nor is the other, until one is renamed or given an output-dir of its own"
                    ))
            } else if chains.contains(entry.identity) {
                failures.append(
                    EntryFailure(
                        directory: entry.directory,
                        message:
                            "\(job.outputPath) is a configured chain file; \(notMaintained): writing the proof there would replace the certificate"
                    ))
            } else {
                jobs.append(job)
            }
        }
        return (jobs, failures)
    }

    /// The staples `expansion` maintains now.
    public func jobs() -> [RefreshJob] {
        expansion().jobs
    }
}
