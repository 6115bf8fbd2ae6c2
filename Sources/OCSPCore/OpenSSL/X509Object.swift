internal import COpenSSL
internal import CShims
import Foundation

/// The one owner of an OpenSSL `X509*`. Never mutated after creation, so it is shared
/// freely between threads (OpenSSL 3 guards its lazily computed extension cache itself).
final class X509Object: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes over a reference the caller owns (from `d2i_X509`, `X509_dup`, ...).
    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Adds a reference to a certificate another OpenSSL object owns (a stack, a response).
    convenience init(retaining pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.init(takingOwnershipOf: pointer)
    }

    /// Decodes exactly one DER certificate; trailing bytes are refused.
    convenience init?(derBytes: [UInt8]) {
        guard let decoded = Self.decodeWhole(derBytes, with: d2i_X509) else { return nil }
        self.init(takingOwnershipOf: decoded)
    }

    deinit {
        X509_free(pointer)
    }

    /// The plain certificate inside OpenSSL's `TRUSTED CERTIFICATE` encoding (the certificate
    /// followed by trust settings); nil unless the bytes are exactly one such structure.
    static func certificateDER(fromTrusted der: [UInt8]) -> [UInt8]? {
        guard let decoded = decodeWhole(der, with: d2i_X509_AUX) else { return nil }
        let plain = X509Object(takingOwnershipOf: decoded).derBytes
        return plain.isEmpty ? nil : plain
    }

    /// Runs an OpenSSL `d2i` decoder over all of `bytes`: nil (the error queue cleared) when
    /// it fails or leaves bytes over, else a certificate the caller owns.
    private static func decodeWhole(
        _ bytes: [UInt8],
        with decode: (UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, Int) -> OpaquePointer?
    ) -> OpaquePointer? {
        let decoded: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let x509 = decode(nil, &cursor, buffer.count) else { return nil }
            guard let end = cursor, end == base + buffer.count else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        if decoded == nil { OpenSSLErrorQueue.clear() }
        return decoded
    }

    /// basicConstraints says CA:TRUE.
    var isCertificateAuthority: Bool {
        let flags = X509_get_extension_flags(pointer)
        OpenSSLErrorQueue.clear()
        return flags & UInt32(EXFLAG_CA) != 0
    }

    var derBytes: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { ocspd_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// Borrowed `STACK_OF(X509)` built for one OpenSSL call, freed with the stack only:
/// the certificates stay owned by their `X509Object`s, which the caller keeps alive.
final class X509StackObject {
    let pointer: OpaquePointer

    init(_ certificates: [X509Object]) {
        pointer = OPENSSL_sk_new_null()
        for certificate in certificates {
            OPENSSL_sk_push(pointer, UnsafeRawPointer(certificate.pointer))
        }
    }

    deinit {
        OPENSSL_sk_free(pointer)
    }
}

/// The certificates in an OpenSSL-owned stack, each retained by its own `X509Object`.
func x509Objects(inBorrowedStack stack: OpaquePointer?) -> [X509Object] {
    guard let stack else { return [] }
    let count = OPENSSL_sk_num(stack)
    guard count > 0 else { return [] }
    return (0..<count).compactMap { index in
        OPENSSL_sk_value(stack, index).map { X509Object(retaining: OpaquePointer($0)) }
    }
}
