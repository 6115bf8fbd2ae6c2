import Yams

/// A YAML mapping with its keys indexed once: an entry's settings are looked up by some 35
/// names, and each lookup in `Node.Mapping` copies every pair (a scalar holds a weak anchor:
/// a copy is a weak retain). Answers what `Node.Mapping[key: key]` answers.
struct KeyedMapping: Sequence {
    let mapping: Node.Mapping
    /// For each key text, the last pair with it: its value, and whether its tag is implicit
    /// or `!!str` (the key is then that text; otherwise Yams judges it).
    private let values: [String: (value: Node, plain: Bool)]

    init(_ mapping: Node.Mapping) {
        self.mapping = mapping
        var values: [String: (value: Node, plain: Bool)] = [:]
        for (key, value) in mapping {
            guard let scalar = key.scalar else { continue }
            values[scalar.string] = (value, Node.Mapping.isPlain(scalar.tag))
        }
        self.values = values
    }

    subscript(key key: String) -> Node? {
        guard let found = values[key] else { return nil }
        return found.plain ? found.value : mapping[key]
    }

    func makeIterator() -> Node.Mapping.Iterator {
        mapping.makeIterator()
    }
}
