internal import COpenSSL

/// Decodes a DER certificate without decoding its public key: OpenSSL 3.0 decodes the key
/// of every certificate it parses through its provider decoders, whose set-up it builds anew
/// each time (openssl/openssl#17950, cached from 3.2 on), ~0.9 M instructions a certificate
/// measured with callgrind, three quarters of decoding a leaf. The key is decoded in a
/// library context holding only OpenSSL's `null` provider, which has no decoders: the key
/// stays undecoded, as OpenSSL leaves any key it cannot decode, and everything else (names,
/// extensions, the DER, the signature) is the same certificate (`X509_verify` with the
/// issuer's key does not need the subject's). `X509Object` decodes the key when it is used.
enum KeyDeferredDecoding {
    /// The library context without decoders, made once; nil when OpenSSL cannot make it
    /// (then certificates are decoded whole, as before).
    nonisolated(unsafe) private static let context: OpaquePointer? = {
        guard let context = OSSL_LIB_CTX_new() else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        // Kept loaded for the life of the process, with the context.
        guard OSSL_PROVIDER_load(context, "null") != nil else {
            OSSL_LIB_CTX_free(context)
            OpenSSLErrorQueue.clear()
            return nil
        }
        return context
    }()

    /// `d2i_X509`'s signature: a certificate the caller owns, `cursor` advanced past it.
    static func decode(
        _ reuse: UnsafeMutablePointer<OpaquePointer?>?, _ cursor: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ length: Int
    ) -> OpaquePointer? {
        guard let context, reuse == nil else { return nil }
        let decoded = ASN1_item_d2i_ex(nil, cursor, length, X509_it(), context, nil)
        // The key's failed decoding leaves nothing on the queue (OpenSSL marks and pops it),
        // a malformed certificate does.
        OpenSSLErrorQueue.clear()
        return decoded
    }
}
