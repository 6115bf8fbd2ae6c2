/// The certificate a staple is for, and the certificate that issued it: the only trust
/// anchor for the proof's signature (RFC 6960 §4.2.2.2).
public struct StapleSubject: Sendable, Hashable {
    public let leaf: Certificate
    public let issuer: Certificate

    public init(leaf: Certificate, issuer: Certificate) {
        self.leaf = leaf
        self.issuer = issuer
    }
}
