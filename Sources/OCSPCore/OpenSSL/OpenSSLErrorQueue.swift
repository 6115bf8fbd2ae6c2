internal import COpenSSL

/// OpenSSL reports failures on a per-thread queue; each failure drains it into the error
/// we throw, so the operator sees OpenSSL's own reason and the next call starts clean.
enum OpenSSLErrorQueue {
    static let nothingQueued = "no detail from OpenSSL"

    /// Removes every entry from this thread's queue and joins their reason strings.
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? nothingQueued : reasons.joined(separator: "; ")
    }

    /// Discards whatever an earlier, handled failure left behind.
    static func clear() {
        ERR_clear_error()
    }
}
