import Foundation

extension StapleHealth {
    /// A chain found in a watched folder that ocspd does not maintain (`Configuration.expansion`):
    /// no staple is kept for it, so it is a WARNING like a missing staple, named by its folder
    /// (its own name may not be printable as a path: it may not be UTF-8).
    public static func notMaintained(_ failure: Configuration.EntryFailure, in configuration: Configuration) -> StapleHealth {
        let folder = configuration.directories.indices.contains(failure.directory) ? configuration.directories[failure.directory] : nil
        var job = folder?.template ?? RefreshJob(chainPath: "", outputPath: "")
        job.chainPath = folder?.path ?? ""
        job.outputPath = folder.map { $0.outputDirectory ?? $0.path } ?? ""
        return StapleHealth(
            job: job, leaf: nil, staple: nil, state: StapleState(outputPath: job.outputPath), level: .warning,
            reason: failure.message)
    }
}
