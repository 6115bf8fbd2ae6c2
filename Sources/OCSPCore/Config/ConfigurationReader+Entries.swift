import Foundation
import Yams

/// The entries: `defaults:`, then each of `staples:` (one chain, one output) and
/// `directories:` (a folder of chains), each starting from the defaults.
extension ConfigurationReader {
    /// Where a listed entry's output was named, for the one-output-per-entry check, and
    /// whether its chain's and its output's last components were found not to be symlinks
    /// (nil: not known).
    typealias StapleOutput = (output: String, keyPath: String, node: Node?, chainPlain: Bool?, outputPlain: Bool?)
    /// Where an entry was named, for problems found later.
    typealias EntryPlace = (keyPath: String, node: Node?)

    /// The per-entry settings every entry starts from.
    mutating func defaults(_ top: KeyedMapping) -> RefreshJob {
        var defaults = RefreshJob(chainPath: "", outputPath: "")
        if let node = top[key: "defaults"], let mapping = mapping(node, at: "defaults") {
            checkKeys(mapping, allowed: ConfigurationLoader.entryKeys, at: "defaults")
            apply(mapping, to: &defaults, at: "defaults")
        }
        return defaults
    }

    /// The `staples:` entries that name a chain and an output: each one's job, and where its
    /// output was named (two arrays, so that neither is copied out of pairs: 10,000 jobs are
    /// a few milliseconds of copying).
    mutating func staples(_ top: KeyedMapping, defaults: RefreshJob) -> (jobs: [RefreshJob], outputs: [StapleOutput]) {
        guard let node = top[key: "staples"], let list = sequence(node, at: "staples") else { return ([], []) }
        var jobs: [RefreshJob] = []
        var outputs: [StapleOutput] = []
        jobs.reserveCapacity(list.count)
        outputs.reserveCapacity(list.count)
        let defaultsAsTheyAre = settingsWithoutKeysChangeNothing(defaults)
        for (index, item) in list.enumerated() {
            if let entry = staple(item, index: index, defaults: defaults, asTheyAre: defaultsAsTheyAre) {
                jobs.append(entry.job)
                outputs.append(entry.output)
            }
        }
        return (jobs, outputs)
    }

    /// Whether applying the settings of a mapping that names none leaves `job` as it is and
    /// reports nothing (asked once, of the defaults, by applying them so): then an entry that
    /// names only its chain and output takes the defaults as they are, without the 25
    /// look-ups of keys it does not have (a quarter of an entry's reading, measured).
    func settingsWithoutKeysChangeNothing(_ job: RefreshJob) -> Bool {
        var probe = self
        var applied = job
        // (`Tag.implicit` would build the default resolver's regular expressions.)
        probe.apply(KeyedMapping(Node.Mapping([], Tag(.implicit, .basic))), to: &applied, at: "staples")
        return applied == job && probe.problems.count == problems.count && probe.fileProblems.count == fileProblems.count
    }

    private mutating func staple(
        _ item: Node, index: Int, defaults: RefreshJob, asTheyAre: Bool
    ) -> (job: RefreshJob, output: StapleOutput)? {
        let keyPath = "staples[\(index)]"
        guard let mapping = mapping(item, at: keyPath) else { return nil }
        // Two known keys: no unknown key to report, no setting to apply.
        let onlyChainAndOutput = mapping.hasOnlyKeys("chain", "output")
        if !onlyChainAndOutput { checkKeys(mapping, allowed: ConfigurationLoader.stapleKeys, at: keyPath) }
        var job = defaults
        if !(onlyChainAndOutput && asTheyAre) { apply(mapping, to: &job, at: keyPath) }
        guard let chain = required(mapping, "chain", at: keyPath), let output = required(mapping, "output", at: keyPath) else {
            return nil
        }
        job.chainPath = chain
        job.outputPath = output
        let chainPlain = checkChain(chain, entry: index, at: "\(keyPath).chain", node: mapping[key: "chain"])
        let outputNode = mapping[key: "output"]
        checkFolder(Self.folder(of: output), at: "\(keyPath).output", node: outputNode)
        return (job, (output, "\(keyPath).output", outputNode, chainPlain, precheck?.outputIsPlain(at: index, output)))
    }

    /// `checkFile` for an entry's chain, from the check made while the entries were read
    /// (`ChainPrecheck`) when there is one; its digest kept when the load keeps them.
    private mutating func checkChain(_ path: String, entry: Int, at keyPath: @autoclosure () -> String, node: Node?) -> Bool? {
        guard let checked = precheck?.result(at: entry, for: path) else {
            let plain = checkFile(path, at: keyPath(), node: node)
            if let digest = files.lastDigest { chainDigests[PathKey(path)] = digest }
            return plain
        }
        if let failure = checked.failure { fileProblem(keyPath(), node, "\(path): \(failure)") }
        if let digest = checked.digest { chainDigests[PathKey(path)] = digest }
        return checked.lastComponentPlain
    }

    /// The folder an output is written in, as `deletingLastPathComponent` answers; its slash
    /// handling costs more than the rest of an entry, so a path with a `/` after its first
    /// byte and before its last, and no `//`, is cut at its last `/` here (the same answer).
    static func folder(of path: String) -> String {
        var path = path
        let cut: String? = path.withUTF8 { bytes in
            let slash = UInt8(ascii: "/")
            guard let last = bytes.lastIndex(of: slash), last != 0, last != bytes.count - 1 else { return nil }
            for index in 1..<bytes.count where bytes[index] == slash && bytes[index - 1] == slash { return nil }
            // Cut at an ASCII byte: the part before is whole UTF-8.
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<last]), as: UTF8.self)
        }
        return cut ?? (path as NSString).deletingLastPathComponent
    }

    /// The `directories:` entries that name a folder.
    mutating func directories(_ top: KeyedMapping, defaults: RefreshJob) -> [(source: Configuration.DirectorySource, place: EntryPlace)] {
        guard let node = top[key: "directories"], let list = sequence(node, at: "directories") else { return [] }
        // HAProxy's convention (NAME.ocsp beside NAME) makes haproxy the natural default here.
        let defaultsNameTarget = top[key: "defaults"]?.mapping?[key: "target"] != nil
        var entries: [(source: Configuration.DirectorySource, place: EntryPlace)] = []
        for (index, item) in list.enumerated() {
            let keyPath = "directories[\(index)]"
            if let source = directory(item, at: keyPath, defaults: defaults, defaultsNameTarget: defaultsNameTarget) {
                entries.append((source, (keyPath, item.mapping?[key: "path"])))
            }
        }
        return entries
    }

    private mutating func directory(
        _ item: Node, at keyPath: String, defaults: RefreshJob, defaultsNameTarget: Bool
    ) -> Configuration.DirectorySource? {
        guard let mapping = mapping(item, at: keyPath) else { return nil }
        checkKeys(mapping, allowed: ConfigurationLoader.directoryKeys, at: keyPath)
        var job = defaults
        if mapping[key: "target"] == nil && !defaultsNameTarget {
            job.policy = TargetPolicy(target: .haproxy, expiryMargin: job.policy.expiryMargin)
        }
        apply(mapping, to: &job, at: keyPath)
        guard let folder = required(mapping, "path", at: keyPath) else { return nil }
        checkFolder(folder, at: "\(keyPath).path", node: mapping[key: "path"])
        var outputDirectory: String? = nil
        if let node = mapping[key: "output-dir"], let value = string(node, at: "\(keyPath).output-dir") {
            checkFolder(value, at: "\(keyPath).output-dir", node: node)
            outputDirectory = value
        }
        return Configuration.DirectorySource(path: folder, outputDirectory: outputDirectory, template: job)
    }
}
