import Yams

extension Node.Mapping {
    /// `self[key]`, the value of the key `key`, without what Yams' lookup costs per call: it
    /// builds a node for `key` and resolves its tag, to compare it with each key's text and
    /// resolved tag. Every key ocspd looks up is a name that resolves to `!!str`
    /// (`ConfigurationKeyTests`), so a key with its text is that key when its tag is implicit
    /// (it resolves from that same text) or `!!str` (as written, or as resolved already: Yams
    /// keeps a resolution). Any other tag (`!custom chain`) is judged by Yams itself.
    subscript(key key: String) -> Node? {
        var index = endIndex
        while index > startIndex {
            index -= 1
            let pair = self[index]
            guard let scalar = pair.key.scalar, scalar.string == key else { continue }
            return Self.isPlain(scalar.tag) ? pair.value : self[key]
        }
        return nil
    }

    /// A key tag under which a key is its text: implicit, or `!!str`.
    static func isPlain(_ tag: Tag) -> Bool {
        tag.rawValue == Tag.Name.implicit.rawValue || tag.rawValue == Tag.Name.str.rawValue
    }
}
