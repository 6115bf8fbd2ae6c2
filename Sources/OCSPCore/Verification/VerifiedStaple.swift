import Foundation

/// A proof that passed every check in `StapleVerifier` for one certificate at one moment.
public struct VerifiedStaple: Sendable {
    public let response: OCSPResponse
    public let basic: BasicOCSPResponse
    /// Our certificate's SingleResponse (a revoked one wins over a conflicting good one).
    public let single: SingleResponse
    /// Its position in `basic.responses`; GnuTLS (Exim) only looks at the first.
    public let singleIndex: Int
    public let signer: Certificate
    /// Signed by a responder certificate the issuer certified, not by the issuer itself.
    public let isDelegated: Bool
    /// The delegated signer was not in the response, so it must be embedded before serving.
    public let signerMissingFromResponse: Bool
    /// min(nextUpdate, delegated signer notAfter, leaf notAfter): past it, clients refuse the
    /// proof. Without nextUpdate, thisUpdate + `assume-validity` stands in for it.
    public let effectiveExpiry: Date
    public let expiryLimit: ExpiryLimit
    /// The `assume-validity` the expiry was derived under, when the proof has no nextUpdate.
    public let assumedValidity: TimeInterval?

    public var status: CertStatus { single.status }
    public var thisUpdate: Date { single.thisUpdate }

    public enum ExpiryLimit: String, Sendable {
        case nextUpdate
        case signerNotAfter
        case leafNotAfter
        /// The proof has no nextUpdate: thisUpdate + `assume-validity` ended it.
        case assumedValidity
    }
}
