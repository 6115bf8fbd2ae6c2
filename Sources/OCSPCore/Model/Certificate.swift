import Foundation

/// An X.509 certificate: the DER bytes and the fields ocspd decides on.
///
/// Two certificates are equal when their DER bytes are.
public struct Certificate: Hashable, Sendable, CustomStringConvertible {
    public let derBytes: [UInt8]
    /// RFC 4514 form.
    public let subject: String
    public let issuer: String
    /// Lowercase hex, no leading zeros.
    public let serialNumber: String
    public let notBefore: Date
    public let notAfter: Date
    /// Authority Information Access, id-ad-ocsp, in certificate order.
    public let ocspURLs: [String]
    /// Authority Information Access, id-ad-caIssuers, in certificate order.
    public let caIssuersURLs: [String]
    /// Extended key usage includes id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
    public let hasOCSPSigningUsage: Bool
    /// The TLS Feature extension (RFC 7633) demands status_request: "Must-Staple".
    public let mustStaple: Bool
    /// basicConstraints CA:TRUE: an issuer, never a leaf to staple for.
    public let isCertificateAuthority: Bool

    let object: X509Object

    /// Decodes one DER certificate; nil when the bytes are not exactly one certificate.
    public init?(derBytes: [UInt8]) {
        guard let object = X509Object(derBytes: derBytes) else { return nil }
        self.init(object: object, derBytes: derBytes)
    }

    init?(object: X509Object, derBytes: [UInt8]? = nil) {
        guard let fields = object.fields() else { return nil }
        self.object = object
        self.derBytes = derBytes ?? object.derBytes
        subject = fields.subject
        issuer = fields.issuer
        serialNumber = fields.serialNumber
        notBefore = fields.notBefore
        notAfter = fields.notAfter
        ocspURLs = fields.ocspURLs
        caIssuersURLs = fields.caIssuersURLs
        hasOCSPSigningUsage = fields.hasOCSPSigningUsage
        mustStaple = fields.mustStaple
        isCertificateAuthority = fields.isCertificateAuthority
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    public func hash(into hasher: inout Hasher) {
        DERKey.hash(derBytes, into: &hasher)
    }

    public var description: String {
        "\(subject) (serial \(serialNumber))"
    }

    /// Whether `now` falls within notBefore...notAfter.
    public func isValid(at now: Date) -> Bool {
        notBefore <= now && now <= notAfter
    }

    /// Whether `issuer`'s public key verifies this certificate's signature. Names are not
    /// consulted: a certificate with the right name but another key did not sign it.
    public func isSigned(by issuer: Certificate) -> Bool {
        object.isSigned(by: issuer.object)
    }

    /// Whether both certificates carry the same public key.
    func hasSamePublicKey(as other: Certificate) -> Bool {
        object.hasSamePublicKey(as: other.object)
    }

    /// Whether both certificates name the same subject, as OpenSSL compares names when it
    /// builds chains (`X509_NAME_cmp` over the canonical DER encoding), never as Swift
    /// compares the RFC 4514 text (which takes canonically equivalent Unicode as equal).
    func hasSameSubject(as other: Certificate) -> Bool {
        object.hasSameSubject(as: other.object)
    }

    /// The CertID hashes of this certificate as an issuer (RFC 6960 §4.1.1): over the DER
    /// subject name, and over the subjectPublicKey bits (without tag, length or unused-bits octet).
    func issuerHashes(algorithm: String) -> (nameHash: [UInt8], keyHash: [UInt8])? {
        object.issuerHashes(algorithm: algorithm)
    }
}
