import Foundation
import Logging

/// Chains that left a watched folder, waiting for the second look before their staple is
/// cleaned up (`RemovedChainCleanup`). A renewal that deletes a chain and writes it again, or
/// renames a new one over it, must keep its staple: a chain back by the second look is simply
/// maintained again.
struct GoneChains {
    /// How long after a chain is first found gone it is looked for again.
    static let secondLookDelay: TimeInterval = 3

    struct Gone {
        var job: RefreshJob
        var lookAgain: Date
    }

    private(set) var pending: [PathKey: Gone] = [:]

    var nextLook: Date? { pending.values.map(\.lookAgain).min() }

    /// Whether `job`, no longer among the outputs, left a folder that is still watched: a
    /// chain of a listed entry, or of a folder taken out of the configuration, is no removal.
    static func leftWatchedFolder(_ job: RefreshJob, directories: [Configuration.DirectorySource]) -> Bool {
        let name = (job.chainPath as NSString).lastPathComponent
        let inWatchedFolder = directories.contains { folder in
            PathKey("\(folder.path)/\(name)") == PathKey(job.chainPath)
                && PathKey("\(folder.outputDirectory ?? folder.path)/\(name).ocsp") == PathKey(job.outputPath)
        }
        return inWatchedFolder && RemovedChainCleanup.isGone(job.chainPath)
    }

    mutating func add(_ job: RefreshJob, at moment: Date) {
        pending[PathKey(job.outputPath)] = Gone(job: job, lookAgain: moment.addingTimeInterval(Self.secondLookDelay))
    }

    /// Takes the chains due for their second look at `moment`, and forgets those maintained
    /// again (`outputs`): they came back.
    mutating func due(at moment: Date, outputs: Set<PathKey>) -> [RefreshJob] {
        for output in pending.keys where outputs.contains(output) { pending[output] = nil }
        let due = pending.filter { $0.value.lookAgain <= moment }
        for output in due.keys { pending[output] = nil }
        return due.values.map(\.job).sorted { PathKey($0.outputPath).bytes.lexicographicallyPrecedes(PathKey($1.outputPath).bytes) }
    }
}
