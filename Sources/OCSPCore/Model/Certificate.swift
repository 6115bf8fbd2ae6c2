internal import COpenSSL
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
        let x509 = object.pointer
        guard let notBefore = ASN1Conversions.date(X509_get0_notBefore(x509)),
            let notAfter = ASN1Conversions.date(X509_get0_notAfter(x509))
        else { return nil }
        self.object = object
        self.derBytes = derBytes ?? object.derBytes
        self.subject = ASN1Conversions.rfc4514(X509_get_subject_name(x509))
        self.issuer = ASN1Conversions.rfc4514(X509_get_issuer_name(x509))
        self.serialNumber = ASN1Conversions.hex(integer: X509_get0_serialNumber(x509))
        self.notBefore = notBefore
        self.notAfter = notAfter
        let access = Self.authorityInformationAccess(x509)
        self.ocspURLs = access.filter { $0.method == NID_ad_OCSP }.map(\.uri)
        self.caIssuersURLs = access.filter { $0.method == NID_ad_ca_issuers }.map(\.uri)
        let flags = X509_get_extension_flags(x509)
        self.hasOCSPSigningUsage =
            flags & UInt32(EXFLAG_XKUSAGE) != 0 && X509_get_extended_key_usage(x509) & UInt32(XKU_OCSP_SIGN) != 0
        self.mustStaple = Self.demandsStatusRequest(x509)
        self.isCertificateAuthority = object.isCertificateAuthority
        OpenSSLErrorQueue.clear()
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(derBytes)
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
        guard let key = X509_get0_pubkey(issuer.object.pointer) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let verified = X509_verify(object.pointer, key) == 1
        OpenSSLErrorQueue.clear()
        return verified
    }

    /// Whether both certificates carry the same public key.
    func hasSamePublicKey(as other: Certificate) -> Bool {
        guard let mine = X509_get0_pubkey(object.pointer), let theirs = X509_get0_pubkey(other.object.pointer) else {
            return false
        }
        return EVP_PKEY_eq(mine, theirs) == 1
    }

    /// Whether both certificates name the same subject, as OpenSSL compares names when it
    /// builds chains (`X509_NAME_cmp` over the canonical DER encoding), never as Swift
    /// compares the RFC 4514 text (which takes canonically equivalent Unicode as equal).
    func hasSameSubject(as other: Certificate) -> Bool {
        let result = X509_NAME_cmp(X509_get_subject_name(object.pointer), X509_get_subject_name(other.object.pointer))
        OpenSSLErrorQueue.clear()
        return result == 0
    }

    /// The CertID hashes of this certificate as an issuer (RFC 6960 §4.1.1): over the DER
    /// subject name, and over the subjectPublicKey bits (without tag, length or unused-bits octet).
    func issuerHashes(algorithm: String) -> (nameHash: [UInt8], keyHash: [UInt8])? {
        guard let digest = EVP_get_digestbyname(algorithm) else { return nil }
        var nameHash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var keyHash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var nameLength: UInt32 = 0
        var keyLength: UInt32 = 0
        guard X509_NAME_digest(X509_get_subject_name(object.pointer), digest, &nameHash, &nameLength) == 1,
            X509_pubkey_digest(object.pointer, digest, &keyHash, &keyLength) == 1
        else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return (Array(nameHash.prefix(Int(nameLength))), Array(keyHash.prefix(Int(keyLength))))
    }

    private static func authorityInformationAccess(_ x509: OpaquePointer) -> [(method: Int32, uri: String)] {
        guard let raw = X509_get_ext_d2i(x509, NID_info_access, nil, nil) else { return [] }
        let stack = OpaquePointer(raw)
        defer { AUTHORITY_INFO_ACCESS_free(stack) }
        var entries: [(Int32, String)] = []
        for index in 0..<max(0, OPENSSL_sk_num(stack)) {
            guard let value = OPENSSL_sk_value(stack, index) else { continue }
            let description = value.assumingMemoryBound(to: ACCESS_DESCRIPTION.self).pointee
            guard let location = description.location, location.pointee.type == GEN_URI,
                let uri = location.pointee.d.uniformResourceIdentifier
            else { continue }
            let bytes = ASN1Conversions.bytes(UnsafePointer(uri))
            entries.append((OBJ_obj2nid(description.method), String(decoding: bytes, as: UTF8.self)))
        }
        return entries
    }

    /// RFC 7633: a TLS Feature extension listing status_request (5).
    private static func demandsStatusRequest(_ x509: OpaquePointer) -> Bool {
        guard let raw = X509_get_ext_d2i(x509, NID_tlsfeature, nil, nil) else { return false }
        let stack = OpaquePointer(raw)
        defer { TLS_FEATURE_free(stack) }
        for index in 0..<max(0, OPENSSL_sk_num(stack)) {
            guard let value = OPENSSL_sk_value(stack, index) else { continue }
            if ASN1_INTEGER_get(value.assumingMemoryBound(to: ASN1_INTEGER.self)) == 5 { return true }
        }
        return false
    }
}
