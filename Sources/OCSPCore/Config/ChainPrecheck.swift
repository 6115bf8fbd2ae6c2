import Foundation
import Yams

/// The files a `staples:` list names, checked on threads of their own while the main thread
/// reads the entries: at 10,000 entries the checks of the chain files took half a load, one
/// after the other on one core. Each chain is checked as the reader would (`LoadFileCheck`),
/// and each output's last component is looked at (`lstat`: a link or not) as the output
/// check would (`OutputIdentityResolver`). The list is cut in two, each half read and checked
/// in order on its own thread. The reader takes entry N's answers when it comes to entry N,
/// waiting if the check is behind; answers for a file other than the one the reader read
/// there (its text differs) are not taken: the reader looks itself, as before.
///
/// Answers are kept by entry, published a batch at a time, and the reader woken only when it
/// waits: one lock, one table insertion and one wake per answer were four `futex` calls and
/// a tenth of the reader's time per entry.
final class ChainPrecheck: @unchecked Sendable {
    typealias Checked = (failure: FileReadError?, lastComponentPlain: Bool?, digest: String?)
    /// One entry's files: its chain's check, and whether its output's last component is no
    /// symlink (true, also when nothing is there yet) or is one (false).
    struct Answer {
        var chain: String
        var checked: Checked
        var output: String?
        var outputPlain: Bool?
    }
    private enum Slot {
        case pending
        /// Not a mapping with a plain chain: the reader reads it alone.
        case skipped
        case answered(Answer)
    }

    /// Where the entries' files are read from: the parsed list, or the text's hint
    /// (`ListedFilesHint`) before the parse. Never changed; read by the checking threads.
    private enum Source {
        case nodes([Node])
        case hint([ListedFilesHint.Entry])
    }
    private let source: Source
    /// By entry; guarded by `condition`.
    private var slots: [Slot]
    private var readerWaits = false
    private let condition = NSCondition()

    private init(source: Source) {
        self.source = source
        slots = []
        slots = Array(repeating: .pending, count: count)
    }

    /// The entries, as many as the source has.
    private var count: Int {
        switch source {
        case .nodes(let entries): entries.count
        case .hint(let entries): entries.count
        }
    }

    /// Threads checking at once (a load's other thread reads the entries meanwhile).
    static let threads = 2
    /// Answers published at once.
    static let batch = 32

    /// Starts checking the files `staples` (the list's node) names; nil for an empty list or none.
    static func start(_ staples: Node?, maximum: Int, digesting: Bool) -> ChainPrecheck? {
        guard let list = staples?.sequence, !list.isEmpty else { return nil }
        return start(ChainPrecheck(source: .nodes(Array(list))), maximum: maximum, digesting: digesting)
    }

    /// Starts checking the files the configuration's text names (`ListedFilesHint`), before
    /// it is parsed; nil when the text gives no hint.
    static func start(hint: [ListedFilesHint.Entry]?, maximum: Int, digesting: Bool) -> ChainPrecheck? {
        guard let hint, !hint.isEmpty else { return nil }
        return start(ChainPrecheck(source: .hint(hint)), maximum: maximum, digesting: digesting)
    }

    private static func start(_ precheck: ChainPrecheck, maximum: Int, digesting: Bool) -> ChainPrecheck {
        let count = precheck.count
        let slices = min(threads, count)
        for slice in 0..<slices {
            let range = (count * slice / slices)..<(count * (slice + 1) / slices)
            Thread { precheck.check(range, maximum: maximum, digesting: digesting) }.start()
        }
        return precheck
    }

    private func check(_ range: Range<Int>, maximum: Int, digesting: Bool) {
        var files = LoadFileCheck()
        files.digesting = digesting
        let outputs = LoadDescriptors()
        var answered: [(index: Int, slot: Slot)] = []
        answered.reserveCapacity(Self.batch)
        for index in range {
            answered.append((index, answer(listedFiles(at: index), files: &files, outputs: outputs, maximum: maximum)))
            if answered.count == Self.batch {
                publish(answered)
                answered.removeAll(keepingCapacity: true)
            }
        }
        publish(answered)
    }

    /// Entry `index`'s `chain:` and `output:` as the reader reads them (non-empty scalars of a
    /// mapping), or as the text's hint has them.
    private func listedFiles(at index: Int) -> ListedFilesHint.Entry {
        switch source {
        case .hint(let entries): return entries[index]
        case .nodes(let entries):
            guard let mapping = entries[index].mapping else { return (nil, nil) }
            let keyed = KeyedMapping(mapping)
            return (keyed[key: "chain"]?.scalar?.string, keyed[key: "output"]?.scalar?.string)
        }
    }

    /// The entry's files, checked.
    private func answer(_ entry: ListedFilesHint.Entry, files: inout LoadFileCheck, outputs: LoadDescriptors, maximum: Int) -> Slot {
        guard let chain = entry.chain, !chain.isEmpty else { return .skipped }
        let (failure, plain) = files.check(chain, maximum: maximum)
        var answer = Answer(chain: chain, checked: (failure, plain, files.lastDigest))
        if let output = entry.output, !output.isEmpty {
            answer.output = output
            answer.outputPlain = OutputIdentityResolver.lastComponentIsPlain(output, descriptors: outputs)
        }
        return .answered(answer)
    }

    private func publish(_ answered: [(index: Int, slot: Slot)]) {
        guard !answered.isEmpty else { return }
        condition.lock()
        for (index, slot) in answered { slots[index] = slot }
        if readerWaits { condition.broadcast() }
        condition.unlock()
    }

    /// The check of entry `index`'s chain, once done, when that chain is `path`; nil otherwise.
    func result(at index: Int, for path: String) -> Checked? {
        guard let answer = answer(at: index), answer.chain == path else { return nil }
        return answer.checked
    }

    /// Whether entry `index`'s output, when it is `path`, was seen to be no symlink (true) or
    /// one (false); nil when it was not looked at.
    func outputIsPlain(at index: Int, _ path: String) -> Bool? {
        guard let answer = answer(at: index), answer.output == path else { return nil }
        return answer.outputPlain
    }

    private func answer(at index: Int) -> Answer? {
        guard index >= 0, index < count else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch slots[index] {
            case .answered(let answer): return answer
            case .skipped: return nil
            case .pending:
                readerWaits = true
                condition.wait()
                readerWaits = false
            }
        }
    }
}

/// A precheck started from the configuration's text on a thread of its own: the hint is read
/// there (`ListedFilesHint`, a few milliseconds at 10,000 entries) while the main thread
/// parses the document, and the checks start from it.
final class TextPrecheck: @unchecked Sendable {
    private let scanned = DispatchSemaphore(value: 0)
    /// Written once by the scanning thread before `scanned` is signalled.
    private var started: ChainPrecheck?

    init(text: String, maximum: Int, digesting: Bool) {
        Thread { [self] in
            started = ChainPrecheck.start(hint: ListedFilesHint.scan(text), maximum: maximum, digesting: digesting)
            scanned.signal()
        }.start()
    }

    /// The precheck the hint started, nil when the text gave none; waits for the scan.
    var precheck: ChainPrecheck? {
        scanned.wait()
        scanned.signal()
        return started
    }
}
