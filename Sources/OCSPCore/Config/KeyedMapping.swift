import Yams

/// A YAML mapping with its keys indexed once: an entry's settings are looked up by some 35
/// names, and each lookup in `Node.Mapping` copies every pair (a scalar holds a weak anchor:
/// a copy is a weak retain). Answers what `Node.Mapping[key: key]` answers.
struct KeyedMapping: Sequence {
    /// A key's text, its value, and whether its tag is implicit or `!!str` (the key is then
    /// that text; otherwise Yams judges it).
    private typealias Entry = (text: String, value: Node, plain: Bool)

    /// Up to this many keys are searched one by one: a `staples:` entry has two or three, and
    /// building a dictionary for them cost more than all its lookups (measured).
    static let scannedKeys = 8

    let mapping: Node.Mapping
    /// A small mapping's key texts, in order (the last with a text is the one that counts),
    /// apart from their values so that a search copies no node.
    private let texts: [String]
    private let values: [(value: Node, plain: Bool)]
    /// A larger mapping's keys: for each text, the last pair with it.
    private let indexed: [String: (value: Node, plain: Bool)]

    init(_ mapping: Node.Mapping) {
        self.mapping = mapping
        var entries: [Entry] = []
        entries.reserveCapacity(mapping.count)
        for (key, value) in mapping {
            guard let scalar = key.scalar else { continue }
            entries.append((scalar.string, value, Node.Mapping.isPlain(scalar.tag)))
        }
        guard entries.count > Self.scannedKeys else {
            texts = entries.map(\.text)
            values = entries.map { ($0.value, $0.plain) }
            indexed = [:]
            return
        }
        texts = []
        values = []
        var indexed: [String: (value: Node, plain: Bool)] = [:]
        for entry in entries { indexed[entry.text] = (entry.value, entry.plain) }
        self.indexed = indexed
    }

    subscript(key key: String) -> Node? {
        guard let found = find(key) else { return nil }
        return found.plain ? found.value : mapping[key]
    }

    /// The last pair whose key text is `key` (compared as `String`s, as the dictionary does).
    private func find(_ key: String) -> (value: Node, plain: Bool)? {
        guard indexed.isEmpty else { return indexed[key] }
        var index = texts.endIndex
        while index > texts.startIndex {
            index -= 1
            if texts[index] == key { return values[index] }
        }
        return nil
    }

    func makeIterator() -> Node.Mapping.Iterator {
        mapping.makeIterator()
    }
}
