import Foundation

/// What a refresh believes about the revocation of its certificate before deciding anything.
public enum RevocationBelief: Equatable, Sendable {
    case notRevoked
    /// A verified revoked proof says so (a record, this process's memory, or the staple in place).
    case proven
    /// Only a believed state file of an older ocspd says so (`revokedCertificates`, kept before
    /// records carried their proof): good proofs are refused, and the responder is asked at
    /// once for the proof that would make it a record.
    case unproven

    public var isRevoked: Bool { self != .notRevoked }
}
