import Yams

/// A YAML mapping with its keys indexed once: an entry's settings are looked up by some 35
/// names, and each lookup in `Node.Mapping` copies every pair (a scalar holds a weak anchor:
/// a copy is a weak retain). Answers what `Node.Mapping[key: key]` answers.
struct KeyedMapping: Sequence {
    /// Where a key is in `mapping`, and whether its tag is implicit or `!!str` (the key is then
    /// its text; otherwise Yams judges it).
    private typealias Place = (index: Int, plain: Bool)

    /// Up to this many keys are searched one by one: a `staples:` entry has two or three, and
    /// building a dictionary for them cost more than all its lookups (measured).
    static let scannedKeys = 8

    let mapping: Node.Mapping
    /// A small mapping's key texts, in order (the last with a text is the one that counts),
    /// and their places, apart so that a search copies no node.
    private let texts: [String]
    private let places: [Place]
    /// A larger mapping's keys: for each text, the place of the last pair with it.
    private let indexed: [String: Place]

    init(_ mapping: Node.Mapping) {
        self.mapping = mapping
        var texts: [String] = []
        var places: [Place] = []
        // By index: Yams' iterator builds an array of every pair first.
        for index in mapping.startIndex..<mapping.endIndex {
            guard let scalar = mapping[index].key.scalar else { continue }
            texts.append(scalar.string)
            places.append((index, Node.Mapping.isPlain(scalar.tag)))
        }
        guard texts.count > Self.scannedKeys else {
            (self.texts, self.places, indexed) = (texts, places, [:])
            return
        }
        (self.texts, self.places) = ([], [])
        indexed = Dictionary(zip(texts, places), uniquingKeysWith: { $1 })
    }

    subscript(key key: String) -> Node? {
        guard let found = find(key) else { return nil }
        return found.plain ? mapping[found.index].value : mapping[key]
    }

    /// Whether the mapping's keys are `first` and `second` only, each as its text (a scalar
    /// whose tag is implicit or `!!str`), in any order.
    func hasOnlyKeys(_ first: String, _ second: String) -> Bool {
        indexed.isEmpty && places.count == mapping.endIndex - mapping.startIndex && places.allSatisfy(\.plain)
            && texts.allSatisfy { $0 == first || $0 == second }
    }

    /// The mapping's keys, in order, without the array of pairs Yams' iterator builds.
    var keys: LazyMapSequence<Range<Int>, Node> {
        (mapping.startIndex..<mapping.endIndex).lazy.map { [mapping] in mapping[$0].key }
    }

    /// The place of the last pair whose key text is `key` (compared as `String`s, as the
    /// dictionary does).
    private func find(_ key: String) -> Place? {
        guard indexed.isEmpty else { return indexed[key] }
        var index = texts.endIndex
        while index > texts.startIndex {
            index -= 1
            if texts[index] == key { return places[index] }
        }
        return nil
    }

    func makeIterator() -> Node.Mapping.Iterator {
        mapping.makeIterator()
    }
}
