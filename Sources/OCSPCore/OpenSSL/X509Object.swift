internal import COpenSSL
internal import CShims
import Foundation
import Synchronization

/// The one owner of an OpenSSL `X509*`. Never mutated after creation, so it is shared
/// freely between threads (OpenSSL 3 guards its lazily computed extension cache itself).
///
/// A certificate decoded from DER here has its public key decoded only when something needs
/// it (`KeyDeferredDecoding`): OpenSSL 3.0 builds its provider decoders anew for every key,
/// three quarters of a leaf's decoding (~0.9 M of ~1.2 M instructions measured), and a leaf
/// is only ever a subject, its signature checked with its issuer's key. Everything handed to
/// OpenSSL (`withUnsafeObject`) and every use of this certificate's own key goes through the
/// certificate with its key (decoded once, then kept); only its own fields, its DER and its
/// signature, which OpenSSL reads without its key, use the certificate as decoded.
final class X509Object: @unchecked Sendable {
    private let pointer: OpaquePointer
    /// The same certificate decoded with its public key, when `pointer` was decoded without
    /// (nil until first needed); `pointer` itself otherwise.
    private let keyed: Mutex<OpaquePointer?>
    private let keyDeferred: Bool
    typealias IssuerHashes = (nameHash: [UInt8], keyHash: [UInt8])
    /// `issuerHashes(algorithm:)`, by algorithm name.
    private let knownIssuerHashes = Mutex<[String: IssuerHashes]>([:])

    /// Takes over a reference the caller owns (from `d2i_X509`, `X509_dup`, ...).
    private init(takingOwnershipOf pointer: OpaquePointer, keyDeferred: Bool = false) {
        self.pointer = pointer
        self.keyDeferred = keyDeferred
        keyed = Mutex(nil)
    }

    /// Adds a reference to a certificate another OpenSSL object owns (a stack, a response);
    /// nil when OpenSSL cannot count one more. For the other owners in `OpenSSL/` only.
    convenience init?(retaining pointer: OpaquePointer) {
        guard X509_up_ref(pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        self.init(takingOwnershipOf: pointer)
    }

    /// Decodes exactly one DER certificate; trailing bytes are refused. Its public key is
    /// decoded when first needed (by then known to decode: see `keyedPointer`).
    convenience init?(derBytes: [UInt8]) {
        if let decoded = Self.decodeWhole(derBytes, with: KeyDeferredDecoding.decode) {
            self.init(takingOwnershipOf: decoded, keyDeferred: true)
        } else {
            guard let decoded = Self.decodeWhole(derBytes, with: d2i_X509) else { return nil }
            self.init(takingOwnershipOf: decoded)
        }
    }

    /// The certificate with its public key: `pointer`, or the same DER decoded again with its
    /// key, once (`d2i_X509` leaves a key it cannot decode undecoded, as it always did, and
    /// only a failed allocation makes it fail: then `pointer`, whose key calls fail safely).
    private var keyedPointer: OpaquePointer {
        guard keyDeferred else { return pointer }
        return keyed.withLock { known in
            if let known { return known }
            let full = Self.decodeWhole(derBytes, with: d2i_X509) ?? pointer
            if full != pointer { known = full }
            return full
        }
    }

    deinit {
        if let full = keyed.withLock({ $0 }) { X509_free(full) }
        X509_free(pointer)
    }

    /// Whether both hold the very same OpenSSL certificate (not merely an equal one).
    /// The certificate with its key counts: OpenSSL is lent that one, and answers with it.
    func isSameObject(as other: X509Object) -> Bool {
        let mine = [pointer, keyed.withLock { $0 }]
        let theirs = [other.pointer, other.keyed.withLock { $0 }]
        return mine.contains { mine in mine != nil && theirs.contains(mine) }
    }

    /// Lends the `X509*`, with its public key, to another owner's OpenSSL call (a stack, an
    /// `OCSP_cert_to_id` issuer). For the owners in `OpenSSL/` only: the pointer must not
    /// outlive `body`.
    func withUnsafeObject<Value>(_ body: (OpaquePointer) throws -> Value) rethrows -> Value {
        try withExtendedLifetime(self) { try body(keyedPointer) }
    }

    /// Lends the `X509*` as decoded, its public key perhaps not decoded, to an OpenSSL call
    /// that reads only its names, serial number and extensions (`OCSP_cert_to_id`'s subject).
    func withUnsafeSubjectFields<Value>(_ body: (OpaquePointer) throws -> Value) rethrows -> Value {
        try withExtendedLifetime(self) { try body(pointer) }
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

    /// The fields `Certificate` decides on; nil when the validity dates are malformed.
    func fields() -> X509Fields? {
        guard let notBefore = ASN1Conversions.date(X509_get0_notBefore(pointer)),
            let notAfter = ASN1Conversions.date(X509_get0_notAfter(pointer))
        else { return nil }
        let access = authorityInformationAccess()
        let flags = X509_get_extension_flags(pointer)
        let fields = X509Fields(
            subject: ASN1Conversions.rfc4514(X509_get_subject_name(pointer)),
            issuer: ASN1Conversions.rfc4514(X509_get_issuer_name(pointer)),
            serialNumber: ASN1Conversions.hex(integer: X509_get0_serialNumber(pointer)),
            notBefore: notBefore,
            notAfter: notAfter,
            ocspURLs: access.filter { $0.method == NID_ad_OCSP }.map(\.uri),
            caIssuersURLs: access.filter { $0.method == NID_ad_ca_issuers }.map(\.uri),
            hasOCSPSigningUsage: flags & UInt32(EXFLAG_XKUSAGE) != 0
                && X509_get_extended_key_usage(pointer) & UInt32(XKU_OCSP_SIGN) != 0,
            mustStaple: demandsStatusRequest(),
            isCertificateAuthority: isCertificateAuthority)
        OpenSSLErrorQueue.clear()
        return fields
    }

    /// Whether `issuer`'s public key verifies this certificate's signature.
    func isSigned(by issuer: X509Object) -> Bool {
        guard let key = X509_get0_pubkey(issuer.keyedPointer) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let verified = withExtendedLifetime(issuer) { X509_verify(pointer, key) == 1 }
        OpenSSLErrorQueue.clear()
        return verified
    }

    /// Whether both certificates carry the same public key: told from their encodings when
    /// these settle it (`PublicKeyEncoding`), else by OpenSSL from the decoded keys.
    func hasSamePublicKey(as other: X509Object) -> Bool {
        if let mine = publicKeyInfo(), let theirs = other.publicKeyInfo(), let known = PublicKeyEncoding.sameKey(mine, theirs) {
            return known
        }
        guard let mine = X509_get0_pubkey(keyedPointer), let theirs = X509_get0_pubkey(other.keyedPointer) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        return withExtendedLifetime(other) { EVP_PKEY_eq(mine, theirs) == 1 }
    }

    /// The SubjectPublicKeyInfo's parts as encoded (no key decoded); nil when OpenSSL cannot tell them.
    private func publicKeyInfo() -> PublicKeyEncoding.Info? {
        var algorithm: OpaquePointer? = nil
        var key: UnsafePointer<UInt8>? = nil
        var keyLength: Int32 = 0
        var identifier: UnsafeMutablePointer<X509_ALGOR>? = nil
        guard let info = X509_get_X509_PUBKEY(pointer),
            X509_PUBKEY_get0_param(&algorithm, &key, &keyLength, &identifier, info) == 1,
            let key, keyLength >= 0, let identifier
        else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        var encoded: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509_ALGOR(identifier, &encoded)
        guard length > 0, let encoded else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { ocspd_openssl_free(encoded) }
        return PublicKeyEncoding.Info(
            algorithm: Self.keyAlgorithm(OBJ_obj2nid(algorithm)),
            identifier: Array(UnsafeBufferPointer(start: encoded, count: Int(length))),
            key: Array(UnsafeBufferPointer(start: key, count: Int(keyLength))))
    }

    private static func keyAlgorithm(_ nid: Int32) -> PublicKeyEncoding.Algorithm {
        switch nid {
        case NID_X9_62_id_ecPublicKey: .ellipticCurve
        case NID_ED25519, NID_ED448, NID_X25519, NID_X448: .rawKey
        default: .other
        }
    }

    /// Whether both certificates name the same subject by `X509_NAME_cmp` (canonical DER).
    func hasSameSubject(as other: X509Object) -> Bool {
        let result = withExtendedLifetime(other) {
            X509_NAME_cmp(X509_get_subject_name(pointer), X509_get_subject_name(other.pointer))
        }
        OpenSSLErrorQueue.clear()
        return result == 0
    }

    /// The CertID hashes of this certificate as an issuer (RFC 6960 §4.1.1): over the DER
    /// subject name, and over the subjectPublicKey bits (without tag, length or unused-bits octet).
    /// Remembered per algorithm: an issuer's hashes are asked for at every proof about its
    /// certificates (the request's CertID, then the answer's), and never change.
    func issuerHashes(algorithm: String) -> (nameHash: [UInt8], keyHash: [UInt8])? {
        if let known = knownIssuerHashes.withLock({ $0[algorithm] }) { return known }
        guard let computed = computeIssuerHashes(algorithm: algorithm) else { return nil }
        knownIssuerHashes.withLock { $0[algorithm] = computed }
        return computed
    }

    private func computeIssuerHashes(algorithm: String) -> IssuerHashes? {
        guard let digest = EVP_get_digestbyname(algorithm) else { return nil }
        var nameHash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var keyHash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var nameLength: UInt32 = 0
        var keyLength: UInt32 = 0
        guard X509_NAME_digest(X509_get_subject_name(pointer), digest, &nameHash, &nameLength) == 1,
            X509_pubkey_digest(pointer, digest, &keyHash, &keyLength) == 1
        else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return (Array(nameHash.prefix(Int(nameLength))), Array(keyHash.prefix(Int(keyLength))))
    }

    private func authorityInformationAccess() -> [(method: Int32, uri: String)] {
        let raw = X509_get_ext_d2i(pointer, NID_info_access, nil, nil)
        guard let access = ScratchObject(raw.map(OpaquePointer.init), freedBy: { AUTHORITY_INFO_ACCESS_free($0) }) else {
            return []
        }
        return access.withUnsafeObject { stack in
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
    }

    /// RFC 7633: a TLS Feature extension listing status_request (5).
    private func demandsStatusRequest() -> Bool {
        let raw = X509_get_ext_d2i(pointer, NID_tlsfeature, nil, nil)
        guard let features = ScratchObject(raw.map(OpaquePointer.init), freedBy: { TLS_FEATURE_free($0) }) else { return false }
        return features.withUnsafeObject { stack in
            (0..<max(0, OPENSSL_sk_num(stack))).contains { index in
                OPENSSL_sk_value(stack, index).map { ASN1_INTEGER_get($0.assumingMemoryBound(to: ASN1_INTEGER.self)) == 5 } ?? false
            }
        }
    }
}

/// What an `X509Object` says about itself, as Swift values.
struct X509Fields {
    var subject: String
    var issuer: String
    var serialNumber: String
    var notBefore: Date
    var notAfter: Date
    var ocspURLs: [String]
    var caIssuersURLs: [String]
    var hasOCSPSigningUsage: Bool
    var mustStaple: Bool
    var isCertificateAuthority: Bool
}

/// Borrowed `STACK_OF(X509)` built for one OpenSSL call, freed with the stack only:
/// the certificates stay owned by their `X509Object`s, which this stack keeps alive.
final class X509StackObject {
    private let pointer: OpaquePointer
    private let certificates: [X509Object]

    /// Nil when OpenSSL cannot allocate the stack or grow it (the error queue cleared).
    init?(_ certificates: [X509Object]) {
        guard let stack = OPENSSL_sk_new_null() as OpaquePointer? else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        pointer = stack
        self.certificates = certificates
        for certificate in certificates {
            let pushed = certificate.withUnsafeObject { OPENSSL_sk_push(stack, UnsafeRawPointer($0)) }
            guard pushed > 0 else {
                OpenSSLErrorQueue.clear()
                return nil
            }
        }
    }

    deinit {
        OPENSSL_sk_free(pointer)
    }

    /// Lends the `STACK_OF(X509)*` to another owner's OpenSSL call; for `OpenSSL/` only.
    func withUnsafeObject<Value>(_ body: (OpaquePointer) throws -> Value) rethrows -> Value {
        try withExtendedLifetime(self) { try body(pointer) }
    }
}

/// The certificates in an OpenSSL-owned stack, each retained by its own `X509Object`.
/// For the owners in `OpenSSL/` only.
func x509Objects(inBorrowedStack stack: OpaquePointer?) -> [X509Object] {
    guard let stack else { return [] }
    let count = OPENSSL_sk_num(stack)
    guard count > 0 else { return [] }
    return (0..<count).compactMap { index in
        OPENSSL_sk_value(stack, index).flatMap { X509Object(retaining: OpaquePointer($0)) }
    }
}
