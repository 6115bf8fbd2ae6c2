import Foundation
import Yams

/// The chains a `staples:` list names, checked (`LoadFileCheck`) on threads of their own
/// while the main thread reads the entries: at 10,000 entries the checks of the chain files
/// took half a load, one after the other on one core. The list is cut in two, each half
/// checked in order on its own thread. An entry's reader takes its chain's result when it
/// comes to it, waiting for it if the check is behind; a chain the list did not name plainly
/// (the reader's text differs) is checked by the reader itself, as before.
final class ChainPrecheck: @unchecked Sendable {
    typealias Checked = (failure: FileReadError?, lastComponentPlain: Bool?, digest: String?)

    /// The chains to check; guarded by `condition` from here on.
    private let planned: Set<PathKey>
    private var results: [PathKey: Checked] = [:]
    private let condition = NSCondition()

    private init(planned: Set<PathKey>) {
        self.planned = planned
    }

    /// Threads checking at once (a load's other thread reads the entries meanwhile).
    static let threads = 2

    /// Starts checking the chains `staples` (the list's node) names, nil when it names none.
    static func start(_ staples: Node?, maximum: Int, digesting: Bool) -> ChainPrecheck? {
        var seen: Set<PathKey> = []
        let paths = chains(in: staples).filter { seen.insert(PathKey($0)).inserted }
        guard !paths.isEmpty else { return nil }
        let precheck = ChainPrecheck(planned: seen)
        let slices = min(threads, paths.count)
        for slice in 0..<slices {
            let part = Array(paths[(paths.count * slice / slices)..<(paths.count * (slice + 1) / slices)])
            Thread { precheck.check(part, maximum: maximum, digesting: digesting) }.start()
        }
        return precheck
    }

    private func check(_ paths: [String], maximum: Int, digesting: Bool) {
        var files = LoadFileCheck()
        files.digesting = digesting
        for path in paths {
            let (failure, plain) = files.check(path, maximum: maximum)
            record((failure, plain, files.lastDigest), for: PathKey(path))
        }
    }

    /// Each entry's `chain:` text, as the reader reads it (a non-empty scalar of a mapping).
    private static func chains(in staples: Node?) -> [String] {
        guard let list = staples?.sequence else { return [] }
        return list.compactMap { item in
            guard let mapping = item.mapping, let text = KeyedMapping(mapping)[key: "chain"]?.scalar?.string, !text.isEmpty else {
                return nil
            }
            return text
        }
    }

    private func record(_ checked: Checked, for path: PathKey) {
        condition.lock()
        results[path] = checked
        condition.broadcast()
        condition.unlock()
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
