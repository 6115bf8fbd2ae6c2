/// The `chain:` and `output:` of each `staples:` entry, read from the configuration's text in
/// the one shape configuration management writes, so that `ChainPrecheck` can start checking
/// those files while the YAML is still being parsed (composing 10,000 entries takes a core for
/// a fifth of a load, the other core idle meanwhile). A hint, never an answer: every check
/// made from it is taken by the reader only for the entry at the same position naming the
/// same text as the parsed document says (`ChainPrecheck.result(at:for:)`); a wrong hint
/// costs the reader a check of its own, nothing else.
///
/// Recognised: a line `staples:` at the start, then items `- key: value` at one indentation
/// with their other keys two columns further in; deeper lines (a hook's list), blank lines and
/// comment lines pass. A chain or output whose value is not plain text (quoted, a block, an
/// anchor, an alias, a tag, flow, a comment after it) is left out. Anything else (tabs,
/// carriage returns, another layout): no hint at all.
enum ListedFilesHint {
    typealias Entry = (chain: String?, output: String?)

    static func scan(_ text: String) -> [Entry]? {
        var entries: [Entry] = []
        var inList = false
        var itemIndent: Int?
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let bytes = Array(line)
            if !inList {
                inList = isStaplesKey(bytes)
                continue
            }
            if bytes.contains(UInt8(ascii: "\t")) || bytes.contains(UInt8(ascii: "\r")) { return nil }
            let indent = bytes.prefix { $0 == UInt8(ascii: " ") }.count
            if indent == bytes.count || bytes[indent] == UInt8(ascii: "#") { continue }
            if bytes[indent] == UInt8(ascii: "-"), indent == (itemIndent ?? indent) {
                itemIndent = indent
                guard let field = field(bytes, from: indent + 1) else { return nil }
                entries.append((nil, nil))
                record(field, in: &entries)
            } else if indent == 0 {
                // The next top-level key: the list has ended.
                break
            } else if let itemIndent, indent == itemIndent + 2 {
                guard let field = field(bytes, from: indent) else { return nil }
                record(field, in: &entries)
            } else if let itemIndent, indent > itemIndent + 2 {
                // A line of another key's value (a hook's list): not a chain's or an output's.
                continue
            } else {
                return nil
            }
        }
        return inList ? entries : nil
    }

    private static func isStaplesKey(_ line: [UInt8]) -> Bool {
        let key = Array("staples:".utf8)
        return line.starts(with: key) && line.dropFirst(key.count).allSatisfy { $0 == UInt8(ascii: " ") }
    }

    /// `key: value` after `start` (one space before it, for an item's first key), the value
    /// nil when it is not plain text.
    private static func field(_ line: [UInt8], from start: Int) -> (key: String, value: String?)? {
        var position = start
        while position < line.count, line[position] == UInt8(ascii: " ") { position += 1 }
        guard let colon = line[position...].firstIndex(of: UInt8(ascii: ":")), colon > position else { return nil }
        let key = String(decoding: line[position..<colon], as: UTF8.self)
        var valueStart = colon + 1
        while valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        var valueEnd = line.count
        while valueEnd > valueStart, line[valueEnd - 1] == UInt8(ascii: " ") { valueEnd -= 1 }
        let value = Array(line[valueStart..<valueEnd])
        return (key, isPlain(value) ? String(decoding: value, as: UTF8.self) : nil)
    }

    /// Text a YAML parser reads as itself: not empty, no indicator first, no comment or
    /// mapping separator inside, printable ASCII or UTF-8 beyond it.
    private static func isPlain(_ value: [UInt8]) -> Bool {
        guard let first = value.first, let last = value.last, !indicators.contains(first), last != UInt8(ascii: ":") else {
            return false
        }
        guard !value.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return false }
        return !zip(value, value.dropFirst()).contains { pair in
            (pair.0 == UInt8(ascii: " ") && pair.1 == UInt8(ascii: "#")) || (pair.0 == UInt8(ascii: ":") && pair.1 == UInt8(ascii: " "))
        }
    }

    private static let indicators = Set("'\"&*!|>%@`{}[],#?:-".utf8)

    private static func record(_ field: (key: String, value: String?), in entries: inout [Entry]) {
        guard !entries.isEmpty else { return }
        switch field.key {
        case "chain": entries[entries.count - 1].chain = field.value
        case "output": entries[entries.count - 1].output = field.value
        default: break
        }
    }
}
