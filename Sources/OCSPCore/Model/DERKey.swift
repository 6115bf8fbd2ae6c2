/// DER bytes as a dictionary key: equal when the bytes are, hashed in one pass over the
/// buffer (an `[UInt8]` key feeds the hasher one byte at a time).
struct DERKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func == (lhs: DERKey, rhs: DERKey) -> Bool {
        lhs.bytes == rhs.bytes
    }

    func hash(into hasher: inout Hasher) {
        DERKey.hash(bytes, into: &hasher)
    }

    /// The bytes and their count, as `Certificate` and `DERKey` hash them.
    static func hash(_ bytes: [UInt8], into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
