internal import COpenSSL

/// RFC 6960 §4.1.1, as ocspd sends it: one Request, its CertID hashed with SHA-1 (what
/// responders and HAProxy expect), unsigned, with a nonce only when asked for.
///
///     OCSPRequest ::= SEQUENCE {
///         tbsRequest                  TBSRequest,
///         optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
public struct OCSPRequest: Sendable, Hashable {
    public let derBytes: [UInt8]
    public let certID: CertID
    /// The id-pkix-ocsp-nonce extension's value as sent, to compare with the echo.
    public let nonce: [UInt8]?

    /// Builds the request for `leaf` as issued by `issuer`. With `nonce`, 32 random bytes
    /// (RFC 8954 §2.1 asks for at least 1 and at most 32).
    public init(for leaf: Certificate, issuedBy issuer: Certificate, nonce: Bool = false) throws(OCSPRequestError) {
        guard let request = OCSPRequestObject() else { throw .openSSL(OpenSSLErrorQueue.drain()) }
        guard let id = OCSP_cert_to_id(EVP_sha1(), leaf.object.pointer, issuer.object.pointer) else {
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        guard OCSP_request_add0_id(request.pointer, id) != nil else {
            OCSP_CERTID_free(id)
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        if nonce {
            guard OCSP_request_add1_nonce(request.pointer, nil, 32) == 1 else {
                throw .openSSL(OpenSSLErrorQueue.drain())
            }
            let index = OCSP_REQUEST_get_ext_by_NID(request.pointer, NID_id_pkix_OCSP_Nonce, -1)
            self.nonce = ASN1Conversions.bytes(X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(request.pointer, index)))
        } else {
            self.nonce = nil
        }
        derBytes = request.derBytes
        guard !derBytes.isEmpty, let hashes = issuer.issuerHashes(algorithm: "sha1") else {
            throw .openSSL(OpenSSLErrorQueue.drain())
        }
        certID = CertID(
            hashAlgorithm: "sha1", issuerNameHash: hashes.nameHash, issuerKeyHash: hashes.keyHash, serialNumber: leaf.serialNumber)
    }
}

public enum OCSPRequestError: Error, Equatable, CustomStringConvertible {
    case openSSL(String)

    public var description: String {
        switch self {
        case .openSSL(let detail): return "OpenSSL could not build the OCSP request: \(detail)"
        }
    }
}
