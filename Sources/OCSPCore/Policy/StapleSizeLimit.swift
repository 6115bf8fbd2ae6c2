import Foundation

/// The largest staple every TLS client we measured accepts. Over TLS 1.2 the staple travels
/// in its own CertificateStatus message, which OpenSSL clients cap at 16384 bytes (1 byte of
/// status type, 3 of length, 16380 of OCSP response); a larger one fails the whole handshake
/// ("excessive message size"), whatever the server (measured against `openssl s_server` and
/// `gnutls-serv`). TLS 1.3 carries more (65527 bytes, the Certificate entry's extensions
/// field) and GnuTLS clients over TLS 1.2 about 126 KiB, but one client refusing the
/// handshake is a mail server that cannot deliver: the smallest figure is the limit.
public enum StapleSizeLimit {
    public static let bytes = 16_380

    /// What a staple of `size` bytes means for `target`.
    public static func verdict(size: Int, target: Target) -> Verdict {
        guard size > bytes else { return .fits }
        switch target {
        case .exim, .nginx, .haproxy: return .refused(StapleTooLarge(size: size, limit: bytes))
        case .generic: return .warning(StapleTooLarge(size: size, limit: bytes))
        }
    }

    /// Whether `target` must not have a staple of `size` bytes in place.
    public static func refuses(size: Int, target: Target) -> Bool {
        if case .refused = verdict(size: size, target: target) { return true }
        return false
    }

    public enum Verdict: Equatable, Sendable {
        case fits
        /// The target's server would break handshakes with it: never put in place.
        case refused(StapleTooLarge)
        /// Written (generic: we do not know the server), with a warning.
        case warning(StapleTooLarge)
    }
}

/// A staple larger than TLS clients accept.
public struct StapleTooLarge: Error, Equatable, Sendable, CustomStringConvertible {
    public let size: Int
    public let limit: Int

    public var description: String {
        "the proof is \(size) bytes, over the \(limit) bytes OpenSSL clients accept in a TLS 1.2 handshake (a larger staple makes them fail the whole handshake); the responder embeds too much (certificates?)"
    }
}
