import Foundation

/// Text from outside the process (URLs from certificates and configurations, names of files
/// in watched folders, server banners, libcurl's messages) as ocspd prints it: on one line,
/// with every character a terminal or a log reader would act on made visible, and with the
/// password of any URL replaced. A newline in a file name must not forge a log line, and a
/// proxy's or responder's password must not reach a log, a report or the metrics file.
public enum DisplayText {
    /// What replaces a URL's password.
    public static let redactedPassword = "***"

    /// One line, controls escaped, URL passwords redacted: the form of every printed message.
    public static func line(_ text: String) -> String {
        escapingControls(redactingPasswords(text))
    }

    /// `\n`, `\r`, `\t` as themselves; other C0 and C1 controls, DEL, line and paragraph
    /// separators and bidirectional overrides (which reorder what a reader sees) as `\u{XX}`.
    /// A backslash stays as it is: an escape that looks like one is harmless, a line break is not.
    public static func escapingControls(_ text: String) -> String {
        // Printable ASCII needs no escape: looked at byte by byte, a tenth of the cost of
        // scalars (`--check-config` prints a line per staple).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String
            switch scalar {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default: escaped = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    /// Every `scheme://user:password@` in `text` becomes `scheme://user:***@`, wherever the URL
    /// stands in the text. A user name alone is kept (it is not a secret, and says which account).
    public static func redactingPasswords(_ text: String) -> String {
        // No `@`, no user information: most lines, and cheap to tell (a scan of the bytes).
        guard text.utf8.contains(UInt8(ascii: "@")), text.contains("://") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if let (authorityStart, userinfoEnd) = userinfo(in: scalars, schemeSeparatorAt: index),
                let colon = scalars[authorityStart..<userinfoEnd].firstIndex(of: ":")
            {
                out.append(contentsOf: scalars[index..<(colon + 1)])
                out.append(contentsOf: redactedPassword.unicodeScalars)
                index = userinfoEnd
                continue
            }
            out.append(scalars[index])
            index += 1
        }
        return String(out)
    }

    /// When `scalars[index...]` starts with `://` after a scheme: where the authority starts and
    /// where its `@` stands, if it has user information.
    private static func userinfo(in scalars: [Unicode.Scalar], schemeSeparatorAt index: Int) -> (Int, Int)? {
        guard index > 0, index + 2 < scalars.count, scalars[index] == ":", scalars[index + 1] == "/", scalars[index + 2] == "/",
            isSchemeCharacter(scalars[index - 1])
        else { return nil }
        let start = index + 3
        var cursor = start
        var at: Int? = nil
        // The authority ends at the first `/`, `?`, `#` or space; its last `@` ends the user information
        // (a password may itself hold an unencoded `@`, which curl also accepts).
        while cursor < scalars.count {
            let scalar = scalars[cursor]
            if scalar == "/" || scalar == "?" || scalar == "#" || scalar == " " || scalar == "\"" || scalar == "'"
                || scalar == ">" || scalar == ")" || needsEscape(scalar)
            {
                break
            }
            if scalar == "@" { at = cursor }
            cursor += 1
        }
        guard let at else { return nil }
        return (start, at)
    }

    private static func isSchemeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
            || ("0"..."9").contains(scalar) || scalar == "+" || scalar == "-" || scalar == "."
    }
}
