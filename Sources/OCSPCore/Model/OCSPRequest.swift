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
        let request = try OCSPRequestObject(for: leaf.object, issuedBy: issuer.object, nonceLength: nonce ? 32 : nil)
        self.nonce = request.nonce
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
