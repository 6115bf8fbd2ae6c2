import Foundation
import Logging

/// Forgets the state of outputs no longer configured, once nothing has written it for
/// `forget-after` (`StateCollection`): the state file and the output's lock, the lock unlinked
/// only while held. Revocation records are never touched (their names are no state files),
/// nor are staples: ocspd cannot know whether a server still reads one (`ocspd check` names
/// them while their state is kept).
public struct StateCollector: Sendable {
    public let store: StateStore
    public let forgetAfter: TimeInterval
    public let logger: Logger

    public init(store: StateStore, forgetAfter: TimeInterval, logger: Logger) {
        self.store = store
        self.forgetAfter = forgetAfter
        self.logger = logger
    }

    /// What one collection did, for tests and the log.
    public struct Summary: Sendable, Equatable {
        public var forgotten: [String] = []
        /// Not configured, written too recently to forget.
        public var recent = 0
        /// Abandoned, but left this time (its lock held, written meanwhile, not ocspd's file).
        public var left = 0
    }

    /// One collection, judged at `now` against the outputs `jobs` maintain.
    @discardableResult
    public func collect(configuredJobs jobs: [RefreshJob], at now: Date) -> Summary {
        collect(configured: store.configured(jobs), at: now)
    }

    /// The same, against what `StateStore.configured` made of the jobs (`refresh --config`
    /// makes it once for the collection and the sweep).
    @discardableResult
    public func collect(configured: StateCollection.Configured, at now: Date) -> Summary {
        var summary = Summary()
        // A configured output's state file is `.configured` by its name: not even looked at.
        guard let listing = store.stateFiles(skipping: configured.stateNames) else { return summary }
        for (name, status) in listing.files {
            let byName = StateCollection.verdict(
                name: name, output: nil, modified: status.modified, configured: configured, at: now, forgetAfter: forgetAfter)
            switch byName {
            case .notStateFile, .configured: continue
            case .recent: summary.recent += 1
            case .abandoned:
                if let output = forget(name, lookedAt: status, in: listing.folder, configured: configured, at: now) {
                    summary.forgotten.append(output)
                } else {
                    summary.left += 1
                }
            }
        }
        return summary
    }

    /// Forgets one abandoned state file; returns its output when it is gone.
    private func forget(_ name: String, lookedAt status: stat, in folder: SafeFolder, configured: StateCollection.Configured, at now: Date)
        -> String?
    {
        guard let recorded = StateStore.recorded(name, in: folder) else {
            logger.debug("\(folder.shown(name)) is not a state file ocspd believes; left as it is")
            return nil
        }
        let output = recorded.outputPath
        let verdict = StateCollection.verdict(
            name: name, output: output, modified: status.modified, plannedAttempt: recorded.nextAttempt, configured: configured, at: now,
            forgetAfter: forgetAfter)
        guard verdict == .abandoned else { return nil }
        let lock: RemovableLock?
        do {
            guard let acquired = try RemovableLock.acquire(for: output) else {
                logger.info("the state of \(output) is not forgotten now: another ocspd holds its lock, so it is being refreshed")
                return nil
            }
            lock = acquired
        } catch .output(.unsafePath(.missingFolder)) {
            // Its folder is gone: no ocspd can lock, nor write, that output now.
            lock = nil
        } catch {
            logger.info("the state of \(output) is not forgotten now: \(error)")
            return nil
        }
        return withExtendedLifetime(lock) { removeHoldingTheLock(name, output: output, lookedAt: status, in: folder, lock: lock) }
    }

    private func removeHoldingTheLock(_ name: String, output: String, lookedAt status: stat, in folder: SafeFolder, lock: RemovableLock?)
        -> String?
    {
        if let problem = store.removeStateFile(named: name, in: folder, lookedAt: status) {
            logger.info("the state \(folder.shown(name)) of \(output) is not forgotten now: \(problem)")
            return nil
        }
        var removed = folder.shown(name)
        if let lock {
            if let problem = lock.unlinkWhileHeld() {
                logger.warning("cannot remove the lock \(lock.path) of \(output): \(problem)")
            } else {
                removed += " and its lock \(lock.path)"
            }
        }
        let days = InspectReport.duration(forgetAfter)
        logger.notice(
            "forgot \(output): not configured, its state untouched since \(RFC3339.string(status.modified)) (forget-after \(days)); removed \(removed); its staple, if any, is left in place and revocation records are kept"
        )
        return output
    }
}
