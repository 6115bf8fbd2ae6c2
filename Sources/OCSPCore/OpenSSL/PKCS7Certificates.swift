internal import COpenSSL
internal import CShims

/// The one owner of an OpenSSL `PKCS7*`, decoded to read a certs-only bundle.
final class PKCS7Object {
    private let pointer: UnsafeMutablePointer<PKCS7>

    /// Nil when `der` is not a PKCS#7 structure (the error queue cleared).
    init?(derBytes der: [UInt8]) {
        let decoded: UnsafeMutablePointer<PKCS7>? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        }
        guard let decoded else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        pointer = decoded
    }

    deinit {
        PKCS7_free(pointer)
    }

    /// The certificates of a SignedData (certs-only) structure; empty for other types.
    var certificates: [X509Object] {
        x509Objects(inBorrowedStack: ocspd_pkcs7_certificates(pointer))
    }
}

/// The certificates of a PKCS#7 certs-only structure (a caIssuers bundle), DER; empty when
/// the bytes are not one.
enum PKCS7Certificates {
    static func objects(inDER der: [UInt8]) -> [X509Object] {
        PKCS7Object(derBytes: der)?.certificates ?? []
    }
}
