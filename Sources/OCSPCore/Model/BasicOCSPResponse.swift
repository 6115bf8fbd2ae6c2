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

    /// - Parameter certificates: those the response carries, when OpenSSL decoded it without them.
    init(object: BasicResponseObject, certificates known: [Certificate]? = nil) throws(OCSPDecodingError) {
        self.object = object
        responderID = try object.responderID()
        producedAt = try object.producedAt()
        responses = try object.singleResponses()
        signatureAlgorithm = object.signatureAlgorithm
        if let known {
            certificates = known
        } else {
            var certificates: [Certificate] = []
            for certificate in object.certificates {
                guard let decoded = Certificate(object: certificate) else {
                    throw .malformedBasicResponse("an embedded certificate has invalid validity dates")
                }
                certificates.append(decoded)
            }
            self.certificates = certificates
        }
        nonce = object.nonce
    }
}
