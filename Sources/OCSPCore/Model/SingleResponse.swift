import Foundation

/// RFC 6960 §4.2.1:
///
///     SingleResponse ::= SEQUENCE {
///         certID                       CertID,
///         certStatus                   CertStatus,
///         thisUpdate                   GeneralizedTime,
///         nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///         singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
public struct SingleResponse: Sendable, Hashable {
    public let certID: CertID
    public let status: CertStatus
    public let thisUpdate: Date
    public let nextUpdate: Date?

    public init(certID: CertID, status: CertStatus, thisUpdate: Date, nextUpdate: Date?) {
        self.certID = certID
        self.status = status
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
    }
}

/// RFC 6960 §4.2.1:
///
///     ResponderID ::= CHOICE {
///         byName   [1] Name,
///         byKey    [2] KeyHash }
public enum ResponderID: Sendable, Hashable, CustomStringConvertible {
    /// RFC 4514 form.
    case byName(String)
    /// SHA-1 of the responder's subjectPublicKey bits.
    case byKeyHash([UInt8])

    public var description: String {
        switch self {
        case .byName(let name): return name
        case .byKeyHash(let hash): return "key hash \(Hex.string(hash))"
        }
    }
}
