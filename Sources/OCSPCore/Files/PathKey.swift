/// A path as the file system knows it: its bytes. Swift's String equality is canonical
/// Unicode equivalence, so `café.pem` spelled NFC and NFD are == while they name two files;
/// every comparison of paths, and every Set or Dictionary keyed by a path, uses this instead.
public struct PathKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ path: String) {
        bytes = Array(path.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public static func == (left: Self, right: Self) -> Bool {
        left.bytes == right.bytes
    }

    /// The bytes as one block: the synthesized hashing feeds the hasher one byte at a time
    /// (about 20 instructions a byte; a load of 10,000 entries hashes every path several times).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// The path as text for system calls and messages, when it is UTF-8 (always, for a key
    /// made from a String).
    public var path: String? { ByteText.utf8(bytes) }

    /// For messages: the bytes that are not UTF-8 shown escaped.
    public var description: String { ByteText.shown(bytes) }
}
