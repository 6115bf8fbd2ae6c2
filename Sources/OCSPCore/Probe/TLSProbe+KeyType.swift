extension TLSProbe {
    /// The key type of the certificate a probe asks for. A server with one RSA and one ECDSA
    /// certificate (Exim's `tls_certificate` list, nginx's two `ssl_certificate` lines) picks the
    /// certificate, and so the staple, from the signature algorithms the client offers: offering
    /// one family only checks that certificate's staple.
    public enum KeyType: String, Sendable, CaseIterable {
        case rsa, ecdsa

        /// OpenSSL's `-sigalgs` list for this key type, TLS 1.2 and 1.3 alike. RSA keys sign with
        /// RSA-PSS in TLS 1.3 (rsa_pss_rsae_*) and with PKCS#1 v1.5 in TLS 1.2 (RSA+SHA*).
        var signatureAlgorithms: String {
            switch self {
            case .rsa:
                return "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512"
            case .ecdsa:
                return "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512"
            }
        }
    }
}
