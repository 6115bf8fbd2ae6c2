import Foundation

/// Names of the files ocspd keeps beside an output (temp files, the lock): a dot-name
/// (HAProxy loads every non-dot file in a `crt` folder) that never exceeds NAME_MAX, however
/// long the output's own name is. A name too long keeps a readable start and a hash of the
/// whole name, so two long names never share a sidecar.
enum SidecarName {
    static let maximumLength = Int(NAME_MAX)
    /// `~` and 16 hex digits.
    private static let hashLength = 17

    static func make(for name: String, suffix: String) -> String {
        let plain = ".\(name)\(suffix)"
        if plain.utf8.count <= maximumLength { return plain }
        let room = maximumLength - 1 - suffix.utf8.count - hashLength
        return ".\(prefix(of: name, bytes: room))~\(Hex.string(Digest.sha256(Array(name.utf8)).prefix(8)))\(suffix)"
    }

    /// The longest start of `text` that fits in `bytes` UTF-8 bytes, cut between characters.
    static func prefix(of text: String, bytes: Int) -> String {
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            guard used + size <= bytes else { break }
            result.append(character)
            used += size
        }
        return result
    }
}
