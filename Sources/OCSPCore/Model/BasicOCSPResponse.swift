internal import COpenSSL
import Foundation

/// RFC 6960 §4.2.1:
///
///     BasicOCSPResponse ::= SEQUENCE {
///         tbsResponseData      ResponseData,
///         signatureAlgorithm   AlgorithmIdentifier,
///         signature            BIT STRING,
///         certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
///
///     ResponseData ::= SEQUENCE {
///         version              [0] EXPLICIT Version DEFAULT v1,
///         responderID              ResponderID,
///         producedAt               GeneralizedTime,
///         responses                SEQUENCE OF SingleResponse,
///         responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
public struct BasicOCSPResponse: Sendable {
    public let responderID: ResponderID
    public let producedAt: Date
    public let responses: [SingleResponse]
    /// OpenSSL's name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`).
    public let signatureAlgorithm: String
    public let certificates: [Certificate]
    /// The id-pkix-ocsp-nonce extension's value, as the responder echoed it.
    public let nonce: [UInt8]?

    let object: BasicResponseObject

    init(object: BasicResponseObject) throws(OCSPDecodingError) {
        let basic = object.pointer
        self.object = object

        var keyHash: UnsafePointer<ASN1_OCTET_STRING>? = nil
        var name: OpaquePointer? = nil
        guard OCSP_resp_get0_id(basic, &keyHash, &name) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .malformedBasicResponse("no responderID")
        }
        if let name {
            responderID = .byName(ASN1Conversions.rfc4514(name))
        } else {
            responderID = .byKeyHash(ASN1Conversions.bytes(keyHash))
        }

        guard let producedAt = ASN1Conversions.date(OCSP_resp_get0_produced_at(basic)) else {
            throw .malformedBasicResponse("producedAt is not a valid time")
        }
        self.producedAt = producedAt

        var responses: [SingleResponse] = []
        for index in 0..<max(0, OCSP_resp_count(basic)) {
            guard let single = OCSP_resp_get0(basic, index) else { continue }
            responses.append(try Self.singleResponse(single))
        }
        self.responses = responses

        var algorithm: OpaquePointer? = nil
        X509_ALGOR_get0(&algorithm, nil, nil, OCSP_resp_get0_tbs_sigalg(basic))
        signatureAlgorithm = ASN1Conversions.name(ofObject: algorithm)

        var certificates: [Certificate] = []
        for certificate in x509Objects(inBorrowedStack: OCSP_resp_get0_certs(basic)) {
            guard let decoded = Certificate(object: certificate) else {
                throw .malformedBasicResponse("an embedded certificate has invalid validity dates")
            }
            certificates.append(decoded)
        }
        self.certificates = certificates

        let nonceIndex = OCSP_BASICRESP_get_ext_by_NID(basic, NID_id_pkix_OCSP_Nonce, -1)
        if nonceIndex >= 0, let extensionPointer = OCSP_BASICRESP_get_ext(basic, nonceIndex) {
            nonce = ASN1Conversions.bytes(X509_EXTENSION_get_data(extensionPointer))
        } else {
            nonce = nil
        }
        OpenSSLErrorQueue.clear()
    }

    private static func singleResponse(_ single: OpaquePointer) throws(OCSPDecodingError) -> SingleResponse {
        var nameHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var algorithm: OpaquePointer? = nil
        var keyHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var serial: UnsafeMutablePointer<ASN1_INTEGER>? = nil
        guard let id = OCSP_SINGLERESP_get0_id(single),
            OCSP_id_get0_info(&nameHash, &algorithm, &keyHash, &serial, id) == 1
        else {
            throw .malformedBasicResponse("a SingleResponse has no CertID")
        }
        let certID = CertID(
            hashAlgorithm: ASN1Conversions.name(ofObject: algorithm),
            issuerNameHash: ASN1Conversions.bytes(nameHash),
            issuerKeyHash: ASN1Conversions.bytes(keyHash),
            serialNumber: ASN1Conversions.hex(integer: serial)
        )

        var reason: Int32 = -1
        var revocationTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        var thisUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        var nextUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>? = nil
        let code = OCSP_single_get0_status(single, &reason, &revocationTime, &thisUpdateTime, &nextUpdateTime)
        guard let thisUpdate = ASN1Conversions.date(thisUpdateTime) else {
            throw .malformedBasicResponse("a SingleResponse has no valid thisUpdate")
        }
        let nextUpdate: Date?
        if let nextUpdateTime {
            guard let date = ASN1Conversions.date(nextUpdateTime) else {
                throw .malformedBasicResponse("a SingleResponse has an invalid nextUpdate")
            }
            nextUpdate = date
        } else {
            nextUpdate = nil
        }
        let status: CertStatus
        switch code {
        case V_OCSP_CERTSTATUS_GOOD:
            status = .good
        case V_OCSP_CERTSTATUS_REVOKED:
            guard let time = ASN1Conversions.date(revocationTime) else {
                throw .malformedBasicResponse("a revoked SingleResponse has no valid revocationTime")
            }
            status = .revoked(time: time, reason: RevocationReason(rawValue: Int(reason)))
        case V_OCSP_CERTSTATUS_UNKNOWN:
            status = .unknown
        default:
            throw .malformedBasicResponse("a SingleResponse has an undefined certStatus")
        }
        return SingleResponse(certID: certID, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
    }
}
