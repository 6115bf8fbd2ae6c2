import Foundation
import Yams

/// The chains a `staples:` list names, checked (`LoadFileCheck`) on a thread of their own
/// while the main thread reads the entries, in the list's order: at 10,000 entries the two
/// halves of a load (reading the entries, checking their chain files) each took about half
/// of it, one after the other, on a machine with cores to spare. An entry's reader takes its
/// chain's result when it comes to it, waiting for it if the check is behind; a chain the
/// list did not name plainly (the reader's text differs, a duplicate key) is checked by the
/// reader itself, as before.
final class ChainPrecheck: @unchecked Sendable {
    typealias Checked = (failure: FileReadError?, lastComponentPlain: Bool?, digest: String?)

    /// The chains to check; guarded by `condition` from here on.
    private let planned: Set<PathKey>
    private var results: [PathKey: Checked] = [:]
    private let condition = NSCondition()

    private init(planned: Set<PathKey>) {
        self.planned = planned
    }

    /// Starts checking the chains `staples` (the list's node) names, nil when it names none.
    static func start(_ staples: Node?, maximum: Int, digesting: Bool) -> ChainPrecheck? {
        let paths = chains(in: staples)
        guard !paths.isEmpty else { return nil }
        let precheck = ChainPrecheck(planned: Set(paths.map(PathKey.init)))
        let thread = Thread {
            var files = LoadFileCheck()
            files.digesting = digesting
            var done: Set<PathKey> = []
            for path in paths where done.insert(PathKey(path)).inserted {
                let (failure, plain) = files.check(path, maximum: maximum)
                precheck.record((failure, plain, files.lastDigest), for: PathKey(path))
            }
        }
        thread.start()
        return precheck
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
        condition.signal()
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
