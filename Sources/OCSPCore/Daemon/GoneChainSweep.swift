import Foundation
import Logging

/// Chains removed from a watched folder while no daemon watched it (ocspd was stopped, or
/// only cron's `refresh --config` runs): found from the state folder, which remembers each
/// output ocspd maintained. An output no longer configured that is the staple place of a
/// chain name in a configured folder, where that chain is gone, is cleaned up as the daemon
/// cleans up a chain it saw go (`RemovedChainCleanup`), after the same second look.
public enum GoneChainSweep {
    /// The entry `output` (absolute, as a state file records it) belonged to, when it is the
    /// staple place of a chain name in one of `directories`.
    static func job(forOutput output: String, directories: [Configuration.DirectorySource]) -> RefreshJob? {
        let name = (output as NSString).lastPathComponent
        guard name.hasSuffix(".ocsp") else { return nil }
        let chainName = String(name.dropLast(".ocsp".count))
        guard Configuration.DirectorySource.isChainName(Array(chainName.utf8)) else { return nil }
        for folder in directories {
            var job = folder.template
            job.chainPath = "\(folder.path)/\(chainName)"
            job.outputPath = "\(folder.outputDirectory ?? folder.path)/\(chainName).ocsp"
            if PathKey(StateStore.absolute(job.outputPath)) == PathKey(output) { return job }
        }
        return nil
    }

    /// The remembered outputs no longer configured whose chain is gone from a configured folder,
    /// last refreshed by this host: on a state folder several hosts share, another host's
    /// output is the staple of a chain in that host's folder, which may never have been here.
    static func find(store: StateStore, configuration: Configuration, configuredJobs jobs: [RefreshJob]) -> [RefreshJob] {
        find(store: store, configuration: configuration, configured: store.configured(jobs))
    }

    static func find(store: StateStore, configuration: Configuration, configured: StateCollection.Configured) -> [RefreshJob] {
        // A configured output's state file is passed over by its name, without a look.
        guard !configuration.directories.isEmpty, let listing = store.stateFiles(skipping: configured.stateNames) else { return [] }
        return listing.files.compactMap { file -> RefreshJob? in
            guard let recorded = StateStore.recorded(file.name, in: listing.folder),
                !configured.outputs.contains(PathKey(recorded.outputPath)),
                let job = job(forOutput: recorded.outputPath, directories: configuration.directories),
                wasRefreshed(for: job, recordedChain: recorded.chainPath),
                recorded.host.map({ $0 == StateStore.hostName }) ?? true,
                RemovedChainCleanup.isGone(job.chainPath)
            else { return nil }
            return job
        }
    }

    /// Whether the output was that folder chain's: a `staples:` entry's output may lie where a
    /// folder chain's would, and a removed entry's staple stays. A state file older ocspd
    /// wrote names no chain: the staple's recorded digest is then the only proof asked for.
    static func wasRefreshed(for job: RefreshJob, recordedChain: String?) -> Bool {
        guard let recordedChain else { return true }
        return PathKey(recordedChain) == PathKey(StateStore.absolute(job.chainPath))
    }

    /// `refresh --config`: finds such chains, and when there are any, looks again after the
    /// second-look delay (a renewal deleting and writing the chain again keeps its staple) and
    /// cleans up those still gone. A run with none costs a listing and waits for nothing.
    /// `configured`: what the run's configured jobs make (`StateStore.configured`), when the
    /// caller has it; else made here from `configuration.jobs()`. Without watched folders
    /// there is nothing to sweep, and nothing is computed.
    public static func cleanUp(
        _ configuration: Configuration, store: StateStore, logger: Logger, configured: StateCollection.Configured? = nil
    ) {
        guard !configuration.directories.isEmpty else { return }
        let gone = find(store: store, configuration: configuration, configured: configured ?? store.configured(configuration.jobs()))
        guard !gone.isEmpty else { return }
        logger.notice(
            "\(gone.count) chain(s) ocspd maintained are gone from their folders (\(gone[0].chainPath) among them); looking again in \(Int(GoneChains.secondLookDelay)) s before cleaning up their staples and state"
        )
        Thread.sleep(forTimeInterval: GoneChains.secondLookDelay)
        let cleanup = RemovedChainCleanup(store: store, logger: logger)
        for job in gone { cleanup.lookAgain(job) }
    }
}
