import Foundation

/// What `ocspd run` and `ocspd refresh --config` maintain, as loaded from the configuration file.
public struct Configuration: Sendable {
    public var stateDirectory: String
    /// How often chain files are checked for a renewal (and folders for new chains).
    public var watchInterval: TimeInterval
    /// Entries listed one by one.
    public var staples: [RefreshJob] {
        didSet {
            loadedExpansion = nil
            chainDigestsAtLoad = [:]
        }
    }
    /// Folders whose every PEM chain is maintained.
    public var directories: [DirectorySource] { didSet { loadedExpansion = nil } }
    /// `expansion()` as the load found it (`expansionAtLoad()`); forgotten when the entries change.
    var loadedExpansion: (jobs: [RefreshJob], failures: [EntryFailure])? = nil
    /// Refuse responder and caIssuers addresses on loopback, private and link-local ranges.
    public var refusePrivateAddresses: Bool = false
    /// How many refreshes run at once, overall and per responder.
    public var concurrency = ConcurrencyLimits()
    /// At most this many `on-failure` runs per round (`EventDispatch`): `failure-hooks-per-round`.
    public var failureHooksPerRound = EventDispatch.defaultRunsPerRound
    /// How long the state (and lock) of an output no longer configured is kept after its last
    /// write before it is removed (`StateCollection`); revocation records are never removed.
    public var forgetAfter: TimeInterval = StateCollection.defaultForgetAfter
    /// Files and folders entries name that are missing or unreadable at load: `--check-config`
    /// refuses them; otherwise each is that entry's failure (see `ConfigurationLoader`).
    public var fileProblems: [ConfigurationError.Problem] = []
    /// The digest (`VerifiedRecord.digest`) of each listed chain as the load read it, for the
    /// one run right after the load (`refresh --config`: `Refresher.chainDigestsAtLoad`), so
    /// that a fresh staple's chain is not read twice in a run. Never for later rounds: a chain
    /// renewed since must be read again.
    public var chainDigestsAtLoad: [PathKey: String] = [:]

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
                        "the folder \(path) holds a chain named \(ByteText.shown(name)), which is not UTF-8 text; ocspd takes "
                            + "paths byte for byte or refuses them, so it is not maintained: rename it"
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
}
