import Foundation
import Logging

/// The daemon's cleanup: the staples of chains removed from watched folders, after a second
/// look (`GoneChains`, `RemovedChainCleanup`), and the state of outputs no longer configured
/// (`StateCollector`).
extension DaemonState {
    /// How often the state folder is collected while the daemon runs (besides start and reload).
    static let collectionInterval: TimeInterval = 86_400

    /// An output the configuration no longer yields: its chain left a watched folder (looked
    /// at again shortly), or its entry left the configuration (its staple stays).
    func noLongerMaintaining(_ output: PathKey, at moment: Date, logger: Logger) {
        guard let job = entries[output]?.job else { return }
        entries[output] = nil
        if GoneChains.leftWatchedFolder(job, directories: configuration.directories) {
            goneChains.add(job, at: moment)
            logger.notice(
                "the chain \(job.chainPath) is gone from its folder; no longer maintaining \(output); looking again in \(Int(GoneChains.secondLookDelay)) s before cleaning up its staple and state"
            )
        } else if RemovedChainCleanup.leftAnEmptyFolder(job.chainPath) {
            logger.warning(
                "the chain \(job.chainPath) is gone and its folder holds no chain any more (a share not mounted?); no longer maintaining \(output), whose staple and state stay"
            )
        } else {
            logger.notice("no longer maintaining \(output)")
        }
    }

    /// The second look at chains found gone: those still gone are cleaned up; the next look
    /// at the folders comes no later than the next second look.
    func lookAgainAtGoneChains(at moment: Date, outputs: Set<PathKey>, logger: Logger) {
        let cleanup = RemovedChainCleanup(store: StateStore(directory: configuration.stateDirectory), logger: logger)
        for job in goneChains.due(at: moment, outputs: outputs) { cleanup.lookAgain(job) }
        if let next = goneChains.nextLook { nextWatch = min(nextWatch, next) }
    }
}

extension StapleDaemon {
    /// Forgets the state of outputs no longer configured (`StateCollector`), then plans the next collection.
    func collectAbandonedState(_ state: DaemonState) {
        let moment = now()
        let collector = StateCollector(
            store: StateStore(directory: state.configuration.stateDirectory), forgetAfter: state.configuration.forgetAfter, logger: logger)
        let jobs = state.configuration.jobs()
        collector.collect(configuredJobs: jobs, at: moment)
        // Chains removed while ocspd was stopped get the second look of those it saw go.
        for job in GoneChainSweep.find(store: collector.store, configuration: state.configuration, configuredJobs: jobs)
        where state.goneChains.pending[PathKey(job.outputPath)] == nil {
            logger.notice(
                "the chain \(job.chainPath) is gone from its folder; looking again in \(Int(GoneChains.secondLookDelay)) s before cleaning up its staple and state"
            )
            state.goneChains.add(job, at: moment)
        }
        if let next = state.goneChains.nextLook { state.nextWatch = min(state.nextWatch, next) }
        state.nextCollection = moment.addingTimeInterval(DaemonState.collectionInterval)
    }
}
