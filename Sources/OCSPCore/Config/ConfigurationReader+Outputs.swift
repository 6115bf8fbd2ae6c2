import Foundation
import Yams

extension ConfigurationReader {
    /// Two listed entries writing one file overwrite each other's proofs on every run,
    /// whatever the spelling of their paths: both lines are named, and the configuration is
    /// refused. An output that is a configured chain (`site.pem` for `site.pem.ocsp`) would
    /// replace the certificate with a proof. Chains found in folders count as chains here; a
    /// found chain whose own output collides fails alone (`Configuration.expansion`), as a
    /// file problem of its folder's entry. Paths are compared by their bytes (`PathKey`), each folder resolved once
    /// (`OutputIdentityResolver`).
    ///
    /// Answers `configuration.expansion()` as found here: with no folder, the listed entries
    /// (none of their outputs is another's, or the configuration is refused).
    mutating func checkOneEntryPerOutput(
        staples: [StapleOutput], configuration: Configuration, directories: [EntryPlace]
    ) -> (jobs: [RefreshJob], failures: [Configuration.EntryFailure]) {
        var owners: [PathKey: (keyPath: String, line: Int?, path: String)] = [:]
        owners.reserveCapacity(staples.count)
        // With folders, the expansion below resolves the same paths again: remembered.
        var resolver = OutputIdentityResolver(remembersPaths: !configuration.directories.isEmpty)
        let scans = configuration.directories.map { $0.scan() }
        let folderChains = scans.flatMap { $0.jobs.map(\.chainPath) }
        // The found chains looked at on every core (their outputs are, by the expansion below).
        resolver.lookAhead(at: folderChains)
        // A listed chain's last component was seen when the chain was checked.
        var chainFiles = Set<PathKey>(minimumCapacity: staples.count + folderChains.count)
        for (job, place) in zip(configuration.staples, staples) {
            chainFiles.insert(resolver.identity(of: job.chainPath, lastComponentPlain: place.chainPlain))
        }
        for chain in folderChains { chainFiles.insert(resolver.identity(of: chain)) }
        for (output, keyPath, node, _, outputPlain) in staples {
            let identity = resolver.identity(of: output, lastComponentPlain: outputPlain)
            if chainFiles.contains(identity) {
                problem(keyPath, node, "\(output) is a configured chain file; writing the proof there would replace the certificate")
            } else if let first = owners[identity] {
                let place = first.line.map { "line \($0)" } ?? "above"
                problem(
                    keyPath, node,
                    "\(output) is the same file as \(first.keyPath) (\(place)): \(first.path); each output belongs to one entry")
            } else {
                owners[identity] = (keyPath, node?.mark?.line, output)
            }
        }
        // Only a folder's chain fails alone; with no folder there is nothing to expand.
        guard !configuration.directories.isEmpty else { return (configuration.staples, []) }
        let expansion = configuration.expansion(using: &resolver, scans: scans)
        for failure in expansion.failures where directories.indices.contains(failure.directory) {
            let place = directories[failure.directory]
            fileProblem(place.keyPath, place.node, "\(failure.message); the other entries proceed")
        }
        return expansion
    }
}
