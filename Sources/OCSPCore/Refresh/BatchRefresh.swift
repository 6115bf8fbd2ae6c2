import Foundation

/// `ocspd refresh --config`: every configured staple that is due, once, as cron runs it.
public enum BatchRefresh {
    /// The worst outcome decides the exit code, in the order 3 > 2 > 1 > 4 > 0: a revoked
    /// certificate matters most, then a server without a valid staple, then a stale one.
    public static func worst(_ codes: [Int32]) -> Int32 {
        let severity: [Int32: Int] = [
            ExitStatus.revoked: 4, ExitStatus.noValidStaple: 3, ExitStatus.staleButValid: 2,
            ExitStatus.nothingToStaple: 1, ExitStatus.stapled: 0,
        ]
        return codes.max { (severity[$0] ?? 0) < (severity[$1] ?? 0) } ?? ExitStatus.stapled
    }

    /// Every staple once, concurrently within the configuration's limits; the exit code of the
    /// worst outcome. An entry whose chain is missing fails on its own (exit 2 among the
    /// others' codes); a configured folder that cannot be listed counts as such a failure too,
    /// and so does each chain found in a folder that cannot be maintained (`expansion`).
    public static func run(
        _ configuration: Configuration, refresher: Refresher, force: Bool = false,
        expiryMargin: TimeInterval? = nil
    ) -> Int32 {
        run(configuration, expansion: configuration.expansion(), refresher: refresher, force: force, expiryMargin: expiryMargin)
    }

    /// The same over `expansion`, the configuration's `expansion()` the caller made once for
    /// the whole run (the collection and the sweep after the round use it too: at thousands of
    /// entries, each expansion resolves every output and chain path).
    public static func run(
        _ configuration: Configuration, expansion: (jobs: [RefreshJob], failures: [Configuration.EntryFailure]), refresher: Refresher,
        force: Bool = false, expiryMargin: TimeInterval? = nil
    ) -> Int32 {
        let (templates, failures) = expansion
        let jobs = templates.map { template in
            var job = template
            job.followsSchedule = true
            job.force = force
            if let expiryMargin { job.policy = TargetPolicy(target: job.policy.target, expiryMargin: expiryMargin) }
            return job
        }
        // Every configured output takes part: those found fresh are offered what their siblings fetched.
        let codes = SharedRound.run(jobs, pool: RefreshPool(limits: configuration.concurrency), refresher: refresher) { _, refreshed in
            refreshed.outcome.exitCode
        }.map(\.output)
        refresher.deliverEvents(cap: configuration.failureHooksPerRound)
        let unlisted = configuration.directories.compactMap(\.listingFailure)
        for failure in unlisted {
            refresher.logger.error("\(failure); its staples are not maintained")
        }
        for failure in failures {
            refresher.logger.error("\(failure.message)")
        }
        return worst(codes + (unlisted + failures.map(\.message)).map { _ in ExitStatus.noValidStaple })
    }
}
