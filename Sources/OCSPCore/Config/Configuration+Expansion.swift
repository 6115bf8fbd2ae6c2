import Foundation

extension Configuration {
    /// A chain found in a folder that is not maintained: its name is not UTF-8, or its output
    /// is another entry's output or a configured chain. It fails alone; the others proceed.
    public struct EntryFailure: Sendable {
        /// The index in `directories` of the folder it was found in.
        public let directory: Int
        public let message: String
    }

    /// A chain found in a folder, with the identity of its output.
    private typealias FoundChain = (directory: Int, job: RefreshJob, identity: PathKey)

    /// Every staple to maintain now, folders expanded; one entry per output file, whatever
    /// its spelling. Listed entries were checked at load; a chain found in a folder whose
    /// output is already a listed entry's, or another found chain's (two folders with one
    /// `output-dir`), or a configured chain, is not maintained and is listed in `failures`:
    /// which of the two is meant cannot be known, and a folder's content changes at any time,
    /// so the others must go on. Outputs are compared by their bytes (`OutputIdentity`).
    public func expansion() -> (jobs: [RefreshJob], failures: [EntryFailure]) {
        var resolver = OutputIdentityResolver()
        return expansion(using: &resolver)
    }

    /// `expansion()`, with the folders `resolver` resolved already, and each folder's `scan()`
    /// when the caller has just made them (one per folder, in order).
    func expansion(
        using resolver: inout OutputIdentityResolver, scans: [(jobs: [RefreshJob], failures: [String])]? = nil
    ) -> (jobs: [RefreshJob], failures: [EntryFailure]) {
        let listed = listedJobs(&resolver)
        let found = foundChains(&resolver, scans: scans ?? directories.map { $0.scan() })
        var jobs = listed.jobs
        var failures = found.failures
        // Only a found chain is judged against the chains: none found, none to resolve.
        let chainPaths = found.chains.isEmpty ? [] : staples.map(\.chainPath) + found.chains.map(\.job.chainPath)
        let chains = Set(chainPaths.map { resolver.identity(of: $0) })
        var writers: [PathKey: [RefreshJob]] = [:]
        for entry in found.chains { writers[entry.identity, default: []].append(entry.job) }
        for entry in found.chains {
            if let failure = refusal(of: entry, owners: listed.owners, writers: writers, chains: chains) {
                failures.append(failure)
            } else {
                jobs.append(entry.job)
            }
        }
        return (jobs, failures)
    }

    /// The staples `expansion` maintains now.
    public func jobs() -> [RefreshJob] {
        expansion().jobs
    }

    /// `expansion()` as the load answered it, for a command that acts on the configuration
    /// as soon as it is loaded (`run --check-config`, `refresh --config`): the load resolved
    /// every output and listed every folder already, and at 10,000 entries a second expansion
    /// is 10,000 more `lstat`s. `expansion()` now when the configuration was not loaded by
    /// `ConfigurationLoader` or its entries changed since. A daemon's later rounds expand anew.
    public func expansionAtLoad() -> (jobs: [RefreshJob], failures: [EntryFailure]) {
        loadedExpansion ?? expansion()
    }

    /// The listed entries, the first of each output only, and the entry owning each output.
    private func listedJobs(_ resolver: inout OutputIdentityResolver) -> (jobs: [RefreshJob], owners: [PathKey: RefreshJob]) {
        var owners: [PathKey: RefreshJob] = [:]
        var jobs: [RefreshJob] = []
        for job in staples {
            let identity = resolver.identity(of: job.outputPath)
            guard owners[identity] == nil else { continue }
            owners[identity] = job
            jobs.append(job)
        }
        return (jobs, owners)
    }

    /// The chains the folders hold now, and the names that cannot be taken.
    private func foundChains(
        _ resolver: inout OutputIdentityResolver, scans: [(jobs: [RefreshJob], failures: [String])]
    ) -> (chains: [FoundChain], failures: [EntryFailure]) {
        var failures: [EntryFailure] = []
        var found: [FoundChain] = []
        resolver.lookAhead(at: scans.flatMap { $0.jobs.map(\.outputPath) })
        for (index, scan) in scans.enumerated() {
            failures += scan.failures.map { EntryFailure(directory: index, message: $0) }
            for job in scan.jobs { found.append((index, job, resolver.identity(of: job.outputPath))) }
        }
        return (found, failures)
    }

    /// Why a found chain is not maintained, nil when it is.
    private func refusal(
        of entry: FoundChain, owners: [PathKey: RefreshJob], writers: [PathKey: [RefreshJob]], chains: Set<PathKey>
    ) -> EntryFailure? {
        let job = entry.job
        // Made only for a refused chain: 10,000 found chains are 10,000 messages otherwise.
        var notMaintained: String { "the chain \(job.chainPath) found in \(directories[entry.directory].path) is not maintained" }
        let message: String
        if let owner = owners[entry.identity] {
            message =
                "\(job.outputPath) is the same file as the output of the listed entry for \(owner.chainPath) "
                + "(\(owner.outputPath)); \(notMaintained): each output belongs to one entry"
        } else if let others = writers[entry.identity], others.count > 1 {
            let other = others.first { PathKey($0.chainPath) != PathKey(job.chainPath) } ?? others[0]
            message =
                "\(job.outputPath) is the same file as the output for \(other.chainPath) (\(other.outputPath)); \(notMaintained), "
                + "nor is the other, until one is renamed or given an output-dir of its own"
        } else if chains.contains(entry.identity) {
            message =
                "\(job.outputPath) is a configured chain file; \(notMaintained): writing the proof there would replace the certificate"
        } else {
            return nil
        }
        return EntryFailure(directory: entry.directory, message: message)
    }
}
