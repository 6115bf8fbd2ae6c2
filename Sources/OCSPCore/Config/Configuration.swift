import Foundation

/// What `ocspd run` and `ocspd refresh --config` maintain, as loaded from the configuration file.
public struct Configuration: Sendable {
    public var path: String
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
            do {
                _ = try FileManager.default.contentsOfDirectory(atPath: path)
                return nil
            } catch {
                return "cannot list the folder \(path): \((error as NSError).localizedDescription)"
            }
        }

        /// The chains this folder holds now: non-dot `*.pem`, `*.crt` and `*.cer` files.
        public func jobs() -> [RefreshJob] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            return names.filter { name in
                !name.hasPrefix(".") && [".pem", ".crt", ".cer"].contains { name.hasSuffix($0) }
            }.map { name in
                var job = template
                job.chainPath = "\(path)/\(name)"
                job.outputPath = "\(outputDirectory ?? path)/\(name).ocsp"
                return job
            }
        }
    }

    /// Every staple to maintain now, folders expanded; one entry per output file, whatever
    /// its spelling (a chain added to a folder later may collide with a listed entry: the
    /// first listed wins, as at load).
    public func jobs() -> [RefreshJob] {
        var seen = Set<String>()
        return (staples + directories.flatMap { $0.jobs() }).filter { seen.insert(OutputIdentity.of($0.outputPath)).inserted }
    }
}
