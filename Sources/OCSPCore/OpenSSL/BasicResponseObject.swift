internal import COpenSSL
import Foundation

/// The one owner of an OpenSSL `OCSP_BASICRESP*`. Read-only after decoding: its readers
/// return the RFC 6960 fields as Swift values, and throw when one is malformed.
final class BasicResponseObject: @unchecked Sendable {
    private let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        OCSP_BASICRESP_free(pointer)
    }

    func responderID() throws(OCSPDecodingError) -> ResponderID {
        var keyHash: UnsafePointer<ASN1_OCTET_STRING>? = nil
        var name: OpaquePointer? = nil
        guard OCSP_resp_get0_id(pointer, &keyHash, &name) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .malformedBasicResponse("no responderID")
        }
        if let name { return .byName(ASN1Conversions.rfc4514(name)) }
        return .byKeyHash(ASN1Conversions.bytes(keyHash))
    }

    func producedAt() throws(OCSPDecodingError) -> Date {
        guard let producedAt = ASN1Conversions.date(OCSP_resp_get0_produced_at(pointer)) else {
            throw .malformedBasicResponse("producedAt is not a valid time")
        }
        return producedAt
    }

    func singleResponses() throws(OCSPDecodingError) -> [SingleResponse] {
        var responses: [SingleResponse] = []
        for index in 0..<max(0, OCSP_resp_count(pointer)) {
            guard let single = OCSP_resp_get0(pointer, index) else { continue }
            responses.append(try Self.singleResponse(single))
        }
        return responses
    }

    /// OpenSSL's name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`).
    var signatureAlgorithm: String {
        var algorithm: OpaquePointer? = nil
        X509_ALGOR_get0(&algorithm, nil, nil, OCSP_resp_get0_tbs_sigalg(pointer))
        return ASN1Conversions.name(ofObject: algorithm)
    }

    /// The certificates the response carries, in order.
    var certificates: [X509Object] {
        x509Objects(inBorrowedStack: OCSP_resp_get0_certs(pointer))
    }

    /// The id-pkix-ocsp-nonce extension's value, as the responder echoed it.
    var nonce: [UInt8]? {
        defer { OpenSSLErrorQueue.clear() }
        let index = OCSP_BASICRESP_get_ext_by_NID(pointer, NID_id_pkix_OCSP_Nonce, -1)
        guard index >= 0, let found = OCSP_BASICRESP_get_ext(pointer, index) else { return nil }
        return ASN1Conversions.bytes(X509_EXTENSION_get_data(found))
    }

    /// OpenSSL's own responderID lookup (byName or byKey) over the response's embedded
    /// certificates and `candidates`; nil when none matches, and when OpenSSL cannot even
    /// build the list of candidates (the proof is then refused, never accepted).
    func signer(among candidates: [X509Object]) -> X509Object? {
        guard let extra = X509StackObject(candidates) else { return nil }
        var found: OpaquePointer? = nil
        let result = extra.withUnsafeObject { OCSP_resp_get0_signer(pointer, &found, $0) }
        OpenSSLErrorQueue.clear()
        guard result > 0, let found else { return nil }
        return X509Object(retaining: found)
    }

    /// Checks only the signature with `signer`'s key (no chain, no intern certificates):
    /// nil when it verifies, else OpenSSL's reason.
    func signatureFailure(with signer: X509Object) -> String? {
        guard let only = X509StackObject([signer]), let store = X509StoreObject() else {
            return OpenSSLErrorQueue.drain()
        }
        let flags = UInt(OCSP_NOINTERN) | UInt(OCSP_NOVERIFY)
        let result = only.withUnsafeObject { stack in
            store.withUnsafeObject { OCSP_basic_verify(pointer, stack, $0, flags) }
        }
        return result == 1 ? nil : OpenSSLErrorQueue.drain()
    }

    private static func singleResponse(_ single: OpaquePointer) throws(OCSPDecodingError) -> SingleResponse {
        let certID = try Self.certID(of: single)
        var reason: Int32 = -1
        var revocationTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        var thisUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        var nextUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        let code = OCSP_single_get0_status(single, &reason, &revocationTime, &thisUpdateTime, &nextUpdateTime)
        guard let thisUpdate = ASN1Conversions.date(thisUpdateTime) else {
            throw .malformedBasicResponse("a SingleResponse has no valid thisUpdate")
        }
        var nextUpdate: Date? = nil
        if let nextUpdateTime {
            guard let date = ASN1Conversions.date(nextUpdateTime) else {
                throw .malformedBasicResponse("a SingleResponse has an invalid nextUpdate")
            }
            nextUpdate = date
        }
        let status = try Self.status(code, reason: reason, revocationTime: revocationTime)
        return SingleResponse(certID: certID, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
    }

    private static func certID(of single: OpaquePointer) throws(OCSPDecodingError) -> CertID {
        var nameHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var algorithm: OpaquePointer? = nil
        var keyHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var serial: UnsafeMutablePointer<ASN1_INTEGER>? = nil
        guard let id = OCSP_SINGLERESP_get0_id(single),
            OCSP_id_get0_info(&nameHash, &algorithm, &keyHash, &serial, id) == 1
        else {
            throw .malformedBasicResponse("a SingleResponse has no CertID")
        }
        return CertID(
            hashAlgorithm: ASN1Conversions.name(ofObject: algorithm),
            issuerNameHash: ASN1Conversions.bytes(nameHash),
            issuerKeyHash: ASN1Conversions.bytes(keyHash),
            serialNumber: ASN1Conversions.hex(integer: serial)
        )
    }

    private static func status(
        _ code: Int32, reason: Int32, revocationTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
    ) throws(OCSPDecodingError) -> CertStatus {
        switch code {
        case V_OCSP_CERTSTATUS_GOOD:
            return .good
        case V_OCSP_CERTSTATUS_REVOKED:
            guard let time = ASN1Conversions.date(revocationTime) else {
                throw .malformedBasicResponse("a revoked SingleResponse has no valid revocationTime")
            }
            return .revoked(time: time, reason: RevocationReason(rawValue: Int(reason)))
        case V_OCSP_CERTSTATUS_UNKNOWN:
            return .unknown
        default:
            throw .malformedBasicResponse("a SingleResponse has an undefined certStatus")
        }
    }
}
