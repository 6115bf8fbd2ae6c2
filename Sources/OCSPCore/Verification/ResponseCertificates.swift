/// The certificates an OCSP response carries, apart from the rest of it: a delegated
/// responder puts its own certificate in every proof it signs, and decoding that certificate
/// (OpenSSL 3 decodes its public key through the provider machinery) costs more than the
/// rest of the response. Taken apart, the certificate is decoded once per process
/// (`SharedCertificates`, keyed by its exact DER) and OpenSSL decodes the rest.
enum ResponseCertificates {
    /// The response without its `certs` field (the signed part copied byte for byte) and the
    /// certificates that field held, as encoded; nil when it holds none or the response is
    /// not a well-formed DER BasicOCSPResponse response (then it is decoded as it came). Put
    /// back together with the same certificates, the parts must give `der` exactly: every tag
    /// is then the one the structure has, and only the `certs` field is left out.
    static func split(_ der: [UInt8]) -> (withoutCertificates: [UInt8], certificates: [[UInt8]])? {
        guard let parts = try? StapleAssembler.Parts(parsing: der), !parts.certificates.isEmpty,
            parts.serialized(certificates: parts.certificates) == der
        else { return nil }
        return (parts.serialized(certificates: []), parts.certificates.map { Array($0) })
    }

    /// Each certificate decoded (once per process); nil when one does not decode alone, as
    /// exactly one certificate with valid dates (then the whole response is decoded as it came).
    static func shared(_ certificates: [[UInt8]]) -> [Certificate]? {
        var decoded: [Certificate] = []
        decoded.reserveCapacity(certificates.count)
        for der in certificates {
            guard let certificate = SharedCertificates.certificate(derBytes: der) else { return nil }
            decoded.append(certificate)
        }
        return decoded
    }
}
