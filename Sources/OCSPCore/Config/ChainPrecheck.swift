import Foundation
import Yams

/// The chains a `staples:` list names, checked (`LoadFileCheck`) on threads of their own
/// while the main thread reads the entries, and whether each output's last component is a
/// symlink (what `OutputIdentityResolver` asks of it): at 10,000 entries these looks took
/// half a load, one after the other on one core. The list is cut in two, each half looked at
/// in order on its own thread. An entry's reader takes its chain's result when it comes to
/// it, waiting for it if the check is behind; a file the list did not name plainly (the
/// reader's text differs) is looked at by the reader itself, as before.
final class ChainPrecheck: @unchecked Sendable {
    typealias Checked = (failure: FileReadError?, lastComponentPlain: Bool?, digest: String?)

    /// The chains to check and the outputs to look at; the results guarded by `condition`.
    private let planned: Set<PathKey>
    private let plannedOutputs: Set<PathKey>
    private var results: [PathKey: Checked] = [:]
    private var outputs: [PathKey: Bool] = [:]
    private let condition = NSCondition()

    private init(planned: Set<PathKey>, plannedOutputs: Set<PathKey>) {
        self.planned = planned
        self.plannedOutputs = plannedOutputs
    }

    /// Threads checking at once (a load's other thread reads the entries meanwhile).
    static let threads = 2

    /// Starts checking the chains `staples` (the list's node) names, nil when it names none.
    static func start(_ staples: Node?, maximum: Int, digesting: Bool) -> ChainPrecheck? {
        let named = files(in: staples)
        var seen: Set<PathKey> = []
        var seenOutputs: Set<PathKey> = []
        let chains = named.compactMap(\.chain).filter { seen.insert(PathKey($0)).inserted }
        let outputs = named.compactMap(\.output).filter { seenOutputs.insert(PathKey($0)).inserted }
        guard !chains.isEmpty || !outputs.isEmpty else { return nil }
        let precheck = ChainPrecheck(planned: seen, plannedOutputs: seenOutputs)
        for slice in 0..<threads {
            func part(_ paths: [String]) -> [String] {
                Array(paths[(paths.count * slice / threads)..<(paths.count * (slice + 1) / threads)])
            }
            let (chainPart, outputPart) = (part(chains), part(outputs))
            Thread { precheck.check(chainPart, outputs: outputPart, maximum: maximum, digesting: digesting) }.start()
        }
        return precheck
    }

    private func check(_ paths: [String], outputs: [String], maximum: Int, digesting: Bool) {
        var files = LoadFileCheck()
        files.digesting = digesting
        for path in paths {
            let (failure, plain) = files.check(path, maximum: maximum)
            record((failure, plain, files.lastDigest), for: PathKey(path))
        }
        let looks = OutputIdentityResolver()
        for output in outputs {
            let plain = looks.lastComponentIsPlain(output)
            condition.lock()
            self.outputs[PathKey(output)] = plain
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Each entry's `chain:` and `output:` texts, as the reader reads them (non-empty
    /// scalars of a mapping; the first of a key: a duplicate refuses the document anyway).
    private static func files(in staples: Node?) -> [(chain: String?, output: String?)] {
        guard let list = staples?.sequence else { return [] }
        return list.compactMap { item in
            guard let mapping = item.mapping else { return nil }
            func text(_ key: String) -> String? {
                guard let value = mapping.first(where: { $0.key.scalar?.string == key })?.value.scalar?.string, !value.isEmpty else {
                    return nil
                }
                return value
            }
            return (text("chain"), text("output"))
        }
    }

    private func record(_ checked: Checked, for path: PathKey) {
        condition.lock()
        results[path] = checked
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the last component of `output` is not a symlink (or does not exist), once
    /// looked at; nil for an output this did not plan to look at.
    func outputPlain(_ output: String) -> Bool? {
        let key = PathKey(output)
        guard plannedOutputs.contains(key) else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while outputs[key] == nil { condition.wait() }
        return outputs[key]
    }

    /// The check of `path`, once done; nil for a path this did not plan to check.
    func result(for path: String) -> Checked? {
        let key = PathKey(path)
        guard planned.contains(key) else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while results[key] == nil { condition.wait() }
        return results[key]
    }
}
