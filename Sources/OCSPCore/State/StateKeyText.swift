import Foundation

/// ASCII shortcuts for the state folder's names (`StateStore.absolute`, `StateStore.key`):
/// byte for byte what the Character-based rules give, for paths that are ASCII (an ASCII
/// character is one scalar and one byte, so splitting and filtering bytes is splitting and
/// filtering characters). Any other path takes the general rules. At thousands of staples a
/// run names every state file once or twice, and the general rules cost more than reading it.
enum StateKeyText {
    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// Whether `path` is ASCII, starts with `/` and has no empty, `.` or `..` component (no
    /// repeated or trailing slash): `StateStore.absolute` would give it back unchanged.
    static func isPlainAbsolute(_ path: String) -> Bool {
        var bytes = path.utf8.makeIterator()
        guard bytes.next() == slash else { return false }
        var length = 0
        var dots = 0
        while let byte = bytes.next() {
            guard byte < 0x80 else { return false }
            if byte == slash {
                guard isName(length: length, dots: dots) else { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == dot { dots += 1 }
            }
        }
        return isName(length: length, dots: dots)
    }

    /// A component that is neither empty, `.` nor `..`.
    private static func isName(length: Int, dots: Int) -> Bool {
        length > 0 && (dots != length || length > 2)
    }

    /// The readable part of a state file's name for the absolute path `absolute`: its last
    /// component's letters, digits, `.`, `_` and `-`; nil when the path is not ASCII.
    static func readableName(ofAbsolute absolute: String) -> String? {
        var kept: [UInt8] = []
        for byte in absolute.utf8 {
            guard byte < 0x80 else { return nil }
            if byte == slash {
                kept.removeAll(keepingCapacity: true)
            } else if isKept(byte) {
                kept.append(byte)
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// What `Character.isLetter || isNumber || "._-".contains` keeps, for an ASCII byte.
    private static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
