/// Finding a certificate's issuer among candidates, by signature: the one place that does
/// it. Names are not consulted (a certificate with the right name but another key did not
/// sign it), and each check is remembered per pair (`SharedCertificates`), because one
/// issuer signs thousands of leaves.
public enum IssuerSearch {
    /// The first of `candidates` whose key verifies `certificate`'s signature.
    public static func issuer(of certificate: Certificate, among candidates: some Sequence<Certificate>) -> Certificate? {
        candidates.first { SharedCertificates.isSigned(certificate, by: $0) }
    }
}
