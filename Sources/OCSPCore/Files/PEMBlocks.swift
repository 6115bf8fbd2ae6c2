import Foundation

/// One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block of a PEM file, not yet decoded.
///
/// Splitting happens before any base64 decoding so that blocks ocspd has no business with
/// (private keys above all) are passed over without their contents ever being decoded.
struct PEMBlock {
    let label: String
    /// 1-based line of the BEGIN marker, for error messages.
    let line: Int
    fileprivate let body: [Substring]

    /// The base64 body as bytes, or nil when it is not strictly base64: a certificate block
    /// with stray characters is damaged, and decoding around them would read another thing.
    func decoded() -> [UInt8]? {
        Data(base64Encoded: body.joined()).map(Array.init)
    }

    var isPrivateKey: Bool { label.hasSuffix("PRIVATE KEY") }
}

enum PEMSplitError: Error, Equatable {
    case unterminated(label: String, line: Int)
    case mismatchedEnd(label: String, line: Int)
    /// A line that starts like a BEGIN marker but is not one ("-----BEGIN CERTIFICATE----").
    case malformedBegin(line: Int)
}

enum PEMSplitter {
    /// Whether the bytes look like PEM rather than DER.
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN".utf8)
        return bytes.count >= marker.count
            && bytes.indices.dropLast(marker.count - 1).contains { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    /// Splits PEM text into its blocks; text outside blocks (OpenSSL's "Bag Attributes",
    /// comments) is ignored as OpenSSL ignores it. A UTF-8 byte-order mark at the start (an
    /// editor's) is ignored; a line that starts like a BEGIN marker but is not a well-formed
    /// one is refused, not skipped: skipping it would make the next block the first.
    static func blocks(in text: String) throws(PEMSplitError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var open: (label: String, line: Int, body: [Substring])? = nil
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let bytes = Array(text.utf8)
        let content = bytes.starts(with: bom) ? bytes.dropFirst(bom.count) : bytes[...]
        // Split on the byte, not the Character: in Swift "\r\n" is one Character, so a file
        // with Windows line endings would otherwise be one long line. (An array of bytes is
        // split many times faster than a String's UTF-8 view: a chain a staple.)
        for (index, rawLine) in content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = trimmed(rawLine)
            if let current = open {
                // Only a line that starts with a dash can be a marker: base64 lines are not looked at twice.
                if line.utf8.first == UInt8(ascii: "-"), let label = marker(line, kind: "END") {
                    guard label == current.label else {
                        throw .mismatchedEnd(label: current.label, line: index + 1)
                    }
                    blocks.append(PEMBlock(label: current.label, line: current.line, body: current.body))
                    open = nil
                } else if line.hasPrefix("-----BEGIN") {
                    throw .unterminated(label: current.label, line: current.line)
                } else {
                    open?.body.append(Substring(line))
                }
            } else if let label = marker(line, kind: "BEGIN") {
                open = (label, index + 1, [])
            } else if line.hasPrefix("-----BEGIN") {
                throw .malformedBegin(line: index + 1)
            }
        }
        if let current = open {
            throw .unterminated(label: current.label, line: current.line)
        }
        return blocks
    }

    /// The line without ASCII whitespace (CR included) at either end.
    private static func trimmed(_ line: ArraySlice<UInt8>) -> String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C }
        guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: line[first...last], as: UTF8.self)
    }

    /// The label of a well-formed `-----KIND LABEL-----` line: RFC 7468 labels are printable
    /// ASCII without '-' at either end, words separated by single spaces or hyphens.
    static func marker(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.utf8.count > prefix.utf8.count + 5 else { return nil }
        let label = String(line.dropFirst(prefix.count).dropLast(5))
        let allowed = label.utf8.allSatisfy { (0x21...0x7E).contains($0) || $0 == 0x20 }
        guard allowed, !label.hasPrefix("-"), !label.hasSuffix("-"), !label.hasPrefix(" "), !label.hasSuffix(" "),
            !label.contains("  ")
        else { return nil }
        return label
    }
}
