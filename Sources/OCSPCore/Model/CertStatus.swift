import Foundation

/// RFC 6960 §4.2.1:
///
///     CertStatus ::= CHOICE {
///         good        [0]     IMPLICIT NULL,
///         revoked     [1]     IMPLICIT RevokedInfo,
///         unknown     [2]     IMPLICIT UnknownInfo }
///
///     RevokedInfo ::= SEQUENCE {
///         revocationTime              GeneralizedTime,
///         revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
public enum CertStatus: Sendable, Hashable, CustomStringConvertible {
    case good
    case revoked(time: Date, reason: RevocationReason?)
    case unknown

    public var name: String {
        switch self {
        case .good: return "good"
        case .revoked: return "revoked"
        case .unknown: return "unknown"
        }
    }

    public var isRevoked: Bool {
        if case .revoked = self { return true }
        return false
    }

    /// Revoked with reason certificateHold (RFC 5280 §5.3.1): a suspension the CA can lift,
    /// after which its responder says good again. Acted on while the proof saying so is
    /// current, but not final: never recorded as a revocation, and a newer good proof wins.
    public var isOnHold: Bool {
        if case .revoked(_, .certificateHold?) = self { return true }
        return false
    }

    /// Revoked for good: any reason but certificateHold, or none. Nothing can undo it, so a
    /// good proof after it is refused forever (Baseline Requirements forbid un-revoking).
    public var isFinalRevocation: Bool { isRevoked && !isOnHold }

    public var description: String {
        switch self {
        case .good, .unknown:
            return name
        case .revoked(let time, let reason):
            return "revoked at \(RFC3339.string(time))" + (reason.map { " (\($0))" } ?? "")
        }
    }
}

/// RFC 5280 §5.3.1 CRLReason, by its ASN.1 names.
public enum RevocationReason: Int, Sendable, Hashable, CustomStringConvertible {
    case unspecified = 0
    case keyCompromise = 1
    case cACompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aACompromise = 10

    public var description: String {
        switch self {
        case .unspecified: return "unspecified"
        case .keyCompromise: return "keyCompromise"
        case .cACompromise: return "cACompromise"
        case .affiliationChanged: return "affiliationChanged"
        case .superseded: return "superseded"
        case .cessationOfOperation: return "cessationOfOperation"
        case .certificateHold: return "certificateHold"
        case .removeFromCRL: return "removeFromCRL"
        case .privilegeWithdrawn: return "privilegeWithdrawn"
        case .aACompromise: return "aACompromise"
        }
    }
}
