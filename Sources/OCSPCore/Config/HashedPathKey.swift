/// A `PathKey` hashed as one block of bytes, for the sets and dictionaries of a load: the
/// hashing `PathKey` is given feeds the hasher one byte at a time (about 20 instructions a
/// byte, a fifth of the output check measured at 1,000 entries). Two are equal exactly when
/// their `PathKey`s are.
struct HashedPathKey: Hashable {
    let key: PathKey

    init(_ key: PathKey) {
        self.key = key
    }

    init(_ path: String) {
        key = PathKey(path)
    }

    static func == (left: Self, right: Self) -> Bool {
        left.key == right.key
    }

    func hash(into hasher: inout Hasher) {
        key.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
