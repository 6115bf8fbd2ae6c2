/// Bytes that should be UTF-8 text but may not be (a file name read from a folder, a
/// command-line argument), shown on one line: the valid parts as `DisplayText` shows text,
/// each byte that is not part of valid UTF-8 as `\xFF`. What is shown is never taken for the
/// bytes: a name that is not UTF-8 is refused, not used in its shown form.
public enum ByteText {
    /// The bytes as text when they are valid UTF-8, else nil: never a lossy decoding.
    public static func utf8(_ bytes: some Collection<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    public static func shown(_ bytes: some Collection<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var pending = Array(bytes)[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                text.append(Unicode.UTF8.decode(encoded))
                pending = pending.dropFirst(encoded.count)
            case .error(let length):
                for byte in pending.prefix(length) {
                    text.append(contentsOf: "\\x\(byte < 16 ? "0" : "")\(String(byte, radix: 16, uppercase: true))".unicodeScalars)
                }
                pending = pending.dropFirst(length)
            case .emptyInput:
                return DisplayText.escapingControls(String(text))
            }
        }
    }
}
