import Foundation

/// A strict reader of the JSON values a state file holds, for `StapleState.fromStateJSON`:
/// objects, strings, unsigned integers, booleans, arrays of strings and `YYYY-MM-DDTHH:MM:SSZ`
/// dates. Each method reads one value (after any JSON whitespace) exactly as JSONDecoder
/// reads it, or returns nil (false) for anything else: another kind of value, `null`, a
/// number with a sign, fraction or exponent or more than 18 digits, a `\u` escape of a
/// surrogate, a raw control character, bytes that are not UTF-8, a comma too many. The
/// caller then gives the whole file to JSONDecoder, which reads it (or rejects it) as before.
struct StateJSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Where `name(among:)` looks first: after the key last found in the object being read.
    private var nextName = 0

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Past JSON's whitespace (space, tab, line feed, carriage return: RFC 8259).
    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Whether nothing but whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    /// Past `byte` (after whitespace), when it comes next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// An object whose keys are among `names`: `member` reads the value of the key with the
    /// given number and says whether it did. False for another key (even one that only
    /// unescapes to a name: JSONDecoder would read it, this leaves it to JSONDecoder), a member
    /// not read, a separator missing or one too many.
    /// `names` in the order ocspd writes them (sorted) finds each key at the first try.
    mutating func object(names: [StaticString], _ member: (inout StateJSONReader, Int) -> Bool) -> Bool {
        let outer = nextName
        nextName = 0
        defer { nextName = outer }
        return members(key: { $0.name(among: names) }, member)
    }

    /// An object, its keys read by `key`.
    private mutating func members<Key>(key: (inout StateJSONReader) -> Key?, _ member: (inout StateJSONReader, Key) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let read = key(&self), take(UInt8(ascii: ":")), member(&self, read) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// The number of the name among `names` that the next string spells, without escapes,
    /// looked for from the one after the last found on (and then from the start).
    private mutating func name(among names: [StaticString]) -> Int? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Self.quote else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != Self.quote, bytes[end] != Self.backslash { end += 1 }
        guard end < bytes.count, bytes[end] == Self.quote else { return nil }
        let count = end - start
        for offset in names.indices {
            let number = (nextName + offset) % names.count
            let name = names[number]
            guard name.utf8CodeUnitCount == count else { continue }
            if Self.spells(name, bytes, from: start) {
                index = end + 1
                nextName = number + 1
                return number
            }
        }
        return nil
    }

    /// Whether `bytes` from `start` on begin with `name`.
    private static func spells(_ name: StaticString, _ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let spelled = name.utf8Start
        for offset in 0..<name.utf8CodeUnitCount where bytes[start + offset] != spelled[offset] { return false }
        return true
    }

    /// An array of strings.
    mutating func strings() -> [String]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var values: [String] = []
        if take(UInt8(ascii: "]")) { return values }
        repeat {
            guard let value = string() else { return nil }
            values.append(value)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? values : nil
    }

    /// An object of unsigned integers, by key; nil when a key comes twice.
    mutating func counts() -> [String: Int]? {
        var counts: [String: Int] = [:]
        let member = { (reader: inout StateJSONReader, key: String) -> Bool in
            guard counts[key] == nil, let count = reader.integer() else { return false }
            counts[key] = count
            return true
        }
        return members(key: { $0.string() }, member) ? counts : nil
    }

    /// `true` or `false`.
    mutating func bool() -> Bool? {
        skipWhitespace()
        if matches("true") { return true }
        if matches("false") { return false }
        return nil
    }

    private mutating func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Digits alone (no sign, fraction or exponent; no leading zero; at most 18, so no overflow).
    mutating func integer() -> Int? {
        skipWhitespace()
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits <= 18, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
        return value
    }

    /// A date as ocspd writes it (`StateDates.parse`), without escapes.
    mutating func date() -> Date? {
        skipWhitespace()
        let start = index + 1
        let end = start + 20
        guard end < bytes.count, bytes[index] == Self.quote, bytes[end] == Self.quote,
            let date = StateDates.parse(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        else { return nil }
        index = end + 1
        return date
    }

    /// A string, unescaped.
    mutating func string() -> String? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Self.quote else { return nil }
        index += 1
        let start = index
        var all: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                index += 1
                return Self.text(UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), ascii: all < 0x80)
            }
            if byte == Self.backslash { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            all |= byte
            index += 1
        }
        return nil
    }

    /// The rest of a string with escapes in it, from its first byte at `start`.
    private mutating func escapedString(from start: Int) -> String? {
        var text: [UInt8] = []
        // Most are paths: the capacity grows for longer ones.
        text.reserveCapacity(min(bytes.count - start, 256))
        text.append(contentsOf: bytes[start..<index])
        while index < bytes.count {
            let run = index
            while index < bytes.count, bytes[index] != Self.quote, bytes[index] != Self.backslash, bytes[index] >= 0x20 { index += 1 }
            text.append(contentsOf: bytes[run..<index])
            guard index < bytes.count, bytes[index] != Self.quote else { break }
            guard bytes[index] == Self.backslash else { return nil }
            index += 1
            guard appendEscape(to: &text) else { return nil }
        }
        guard index < bytes.count else { return nil }
        index += 1
        return text.withUnsafeBufferPointer { Self.text($0, ascii: !$0.contains { $0 >= 0x80 }) }
    }

    /// The text of UTF-8 `bytes`, nil when they are not UTF-8 (ASCII always is).
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
        ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    /// The character escaped after a backslash, in UTF-8; false for an unknown escape and
    /// a `\u` of a surrogate (pairs are left to JSONDecoder).
    private mutating func appendEscape(to text: inout [UInt8]) -> Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        index += 1
        switch byte {
        case Self.quote, Self.backslash, UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            guard let scalar = escapedScalar() else { return false }
            text.append(contentsOf: String(Character(scalar)).utf8)
        default: return false
        }
        return true
    }

    /// The four hex digits of a `\u` escape, as a scalar (nil for a surrogate).
    private mutating func escapedScalar() -> Unicode.Scalar? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexDigit(bytes[index]) else { return nil }
            value = value << 4 | digit
            index += 1
        }
        return Unicode.Scalar(value)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
