/// RFC 6960 §4.1.1:
///
///     CertID ::= SEQUENCE {
///         hashAlgorithm       AlgorithmIdentifier,
///         issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///         issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///         serialNumber        CertificateSerialNumber }
public struct CertID: Sendable, Hashable {
    /// OpenSSL's name for the hash (`sha1`, `sha256`).
    public let hashAlgorithm: String
    public let issuerNameHash: [UInt8]
    public let issuerKeyHash: [UInt8]
    /// Lowercase hex, no leading zeros.
    public let serialNumber: String

    public init(hashAlgorithm: String, issuerNameHash: [UInt8], issuerKeyHash: [UInt8], serialNumber: String) {
        self.hashAlgorithm = hashAlgorithm
        self.issuerNameHash = issuerNameHash
        self.issuerKeyHash = issuerKeyHash
        self.serialNumber = serialNumber
    }

    /// Whether this CertID names `leaf` as issued by `issuer`, recomputing the hashes with
    /// this CertID's own algorithm: a responder may answer a SHA-1 request with SHA-256.
    public func identifies(_ leaf: Certificate, issuedBy issuer: Certificate) -> Bool {
        guard serialNumber == leaf.serialNumber,
            let expected = issuer.issuerHashes(algorithm: hashAlgorithm)
        else { return false }
        return expected.nameHash == issuerNameHash && expected.keyHash == issuerKeyHash
    }

    /// Whether this CertID's issuer hashes are those of `issuer`, whatever the serial.
    public func names(issuer: Certificate) -> Bool {
        guard let expected = issuer.issuerHashes(algorithm: hashAlgorithm) else { return false }
        return expected.nameHash == issuerNameHash && expected.keyHash == issuerKeyHash
    }
}
