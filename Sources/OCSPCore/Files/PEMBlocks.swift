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

    /// The base64 body as bytes, or nil when it is not valid base64.
    func decoded() -> [UInt8]? {
        Data(base64Encoded: body.joined(), options: .ignoreUnknownCharacters).map(Array.init)
    }

    var isPrivateKey: Bool { label.hasSuffix("PRIVATE KEY") }
}

enum PEMSplitError: Error, Equatable {
    case unterminated(label: String, line: Int)
    case mismatchedEnd(label: String, line: Int)
}

enum PEMSplitter {
    /// Whether the bytes look like PEM rather than DER.
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        return bytes.count >= marker.count
            && bytes.indices.dropLast(marker.count - 1).contains { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    /// Splits PEM text into its blocks; text outside blocks (OpenSSL's "Bag Attributes",
    /// comments) is ignored as OpenSSL ignores it.
    static func blocks(in text: String) throws(PEMSplitError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var open: (label: String, line: Int, body: [Substring])? = nil
        // Split on the byte, not the Character: in Swift "\r\n" is one Character, so a file
        // with Windows line endings would otherwise be one long line.
        for (index, rawLine) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = trimmed(rawLine)
            if let current = open {
                if let label = marker(line, kind: "END") {
                    guard label == current.label else {
                        throw .mismatchedEnd(label: current.label, line: index + 1)
                    }
                    blocks.append(PEMBlock(label: current.label, line: current.line, body: current.body))
                    open = nil
                } else if marker(line, kind: "BEGIN") != nil {
                    throw .unterminated(label: current.label, line: current.line)
                } else {
                    open?.body.append(Substring(line))
                }
            } else if let label = marker(line, kind: "BEGIN") {
                open = (label, index + 1, [])
            }
        }
        if let current = open {
            throw .unterminated(label: current.label, line: current.line)
        }
        return blocks
    }

    /// The line without ASCII whitespace (CR included) at either end.
    private static func trimmed(_ line: Substring.UTF8View) -> String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C }
        guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(Substring(line[first...last]))
    }

    private static func marker(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.count > prefix.count + 5 else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(5))
    }
}
