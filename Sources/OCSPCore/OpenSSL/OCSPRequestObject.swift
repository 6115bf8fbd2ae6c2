internal import COpenSSL
internal import CShims

/// The one owner of an OpenSSL `OCSP_REQUEST*`: built for one certificate, then read as DER.
final class OCSPRequestObject {
    private let pointer: OpaquePointer
    /// The id-pkix-ocsp-nonce extension's value as added, to compare with the echo.
    /// (A default, so that the object is whole, and `deinit` frees it, on every throw.)
    private(set) var nonce: [UInt8]? = nil

    /// One Request for `leaf` as issued by `issuer`, its CertID hashed with SHA-1; with
    /// `nonceLength`, a nonce of that many random bytes.
    init(for leaf: X509Object, issuedBy issuer: X509Object, nonceLength: Int32?) throws(OCSPRequestError) {
        guard let request = OCSP_REQUEST_new() else { throw .openSSL(OpenSSLErrorQueue.drain()) }
        pointer = request
        // The leaf's issuer name and serial number, the issuer's name and key bits: no decoded key.
        let id = leaf.withUnsafeSubjectFields { leaf in issuer.withUnsafeObject { OCSP_cert_to_id(EVP_sha1(), leaf, $0) } }
        guard let id else { throw .openSSL(OpenSSLErrorQueue.drain()) }
        // add0: the request takes the CertID over only when it succeeds.
        guard OCSP_request_add0_id(request, id) != nil else {
            OCSP_CERTID_free(id)
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        guard let nonceLength else { return }
        guard OCSP_request_add1_nonce(request, nil, nonceLength) == 1 else {
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        let index = OCSP_REQUEST_get_ext_by_NID(request, NID_id_pkix_OCSP_Nonce, -1)
        guard index >= 0, let added = OCSP_REQUEST_get_ext(request, index) else {
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        nonce = ASN1Conversions.bytes(X509_EXTENSION_get_data(added))
    }

    deinit {
        OCSP_REQUEST_free(pointer)
    }

    /// The DER request; empty when OpenSSL cannot encode it.
    var derBytes: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_OCSP_REQUEST(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { ocspd_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
