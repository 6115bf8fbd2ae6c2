import Foundation

/// RFC 6960 §4.2.1:
///
///     OCSPResponse ::= SEQUENCE {
///         responseStatus         OCSPResponseStatus,
///         responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
///
///     ResponseBytes ::= SEQUENCE {
///         responseType   OBJECT IDENTIFIER,
///         response       OCTET STRING }
///
/// Only id-pkix-ocsp-basic responses can be built: a successful response of another
/// type, or without responseBytes, is a decoding error. The DER bytes are kept because
/// they are what gets served.
public struct OCSPResponse: Sendable, Hashable {
    public let derBytes: [UInt8]
    public let status: ResponseStatus
    /// Present exactly when `status` is `.successful`.
    public let basic: BasicOCSPResponse?

    /// Decodes a DER OCSPResponse; nothing may follow it.
    ///
    /// The certificates a response carries (the delegated responder's, the same in every proof)
    /// are taken from `SharedCertificates`, decoded once per process, and OpenSSL decodes the
    /// rest; the checks are those of decoding the response whole, which is what happens when the
    /// response cannot be taken apart so (and what decides the error a malformed one gets).
    public init(derBytes: [UInt8]) throws(OCSPDecodingError) {
        if let split = ResponseCertificates.split(derBytes), let shared = ResponseCertificates.shared(split.certificates),
            let decoded = try? OCSPResponse(decoding: split.withoutCertificates, keeping: derBytes, certificates: shared)
        {
            self = decoded
            return
        }
        try self.init(decoding: derBytes, keeping: derBytes, certificates: nil)
    }

    /// Decodes `der` with OpenSSL and keeps `original` as the response's bytes; `certificates`
    /// are the ones `original` carries when `der` is it without them.
    private init(decoding der: [UInt8], keeping original: [UInt8], certificates: [Certificate]?) throws(OCSPDecodingError) {
        guard !der.isEmpty else { throw .empty }
        guard let object = OCSPResponseObject(derBytes: der) else {
            throw der.first == 0x30 ? .malformed : .notOCSP(firstBytes: Array(der.prefix(16)))
        }
        guard let status = ResponseStatus(rawValue: Int(object.status)) else {
            throw .unknownResponseStatus(Int(object.status))
        }
        self.derBytes = original
        self.status = status
        guard status == .successful else {
            basic = nil
            return
        }
        guard let basicObject = object.basic() else {
            throw .notBasicResponse
        }
        basic = try BasicOCSPResponse(object: basicObject, certificates: certificates)
    }

    /// Decodes DER, or PEM with a `-----BEGIN OCSP RESPONSE-----` block.
    public init(derOrPEM bytes: [UInt8]) throws(OCSPDecodingError) {
        guard PEMSplitter.looksLikePEM(bytes) else {
            try self.init(derBytes: bytes)
            return
        }
        let blocks = (try? PEMSplitter.blocks(in: String(decoding: bytes, as: UTF8.self))) ?? []
        guard let block = blocks.first(where: { $0.label == "OCSP RESPONSE" }), let der = block.decoded() else {
            throw .malformedPEM
        }
        try self.init(derBytes: der)
    }

    public static func == (lhs: OCSPResponse, rhs: OCSPResponse) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(derBytes)
    }
}

public enum OCSPDecodingError: Error, Equatable, CustomStringConvertible {
    case empty
    case notOCSP(firstBytes: [UInt8])
    case malformed
    case malformedPEM
    case unknownResponseStatus(Int)
    case notBasicResponse
    case malformedBasicResponse(String)

    public var description: String {
        switch self {
        case .empty:
            return "the body is empty"
        case .notOCSP(let firstBytes):
            let printable = firstBytes.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) }
            let shown = printable ? "\"\(String(decoding: firstBytes, as: UTF8.self))...\"" : Hex.string(firstBytes)
            return "not an OCSP response (it starts with \(shown))"
        case .malformed:
            return "not a well-formed DER OCSP response (truncated, corrupt, or followed by trailing bytes)"
        case .malformedPEM:
            return "PEM without a decodable OCSP RESPONSE block"
        case .unknownResponseStatus(let value):
            return "responseStatus \(value) is not defined by RFC 6960"
        case .notBasicResponse:
            return "a successful response without id-pkix-ocsp-basic responseBytes"
        case .malformedBasicResponse(let detail):
            return "the BasicOCSPResponse is malformed: \(detail)"
        }
    }
}
