/// Certificates as a caIssuers URL or an `--issuer` file may serve them: one DER
/// certificate, PEM certificates, or a PKCS#7 certs-only bundle (DER or PEM), RFC 5280 §4.2.2.1.
enum CertificateBundle {
    static func certificates(in bytes: [UInt8]) -> [Certificate] {
        if PEMSplitter.looksLikePEM(bytes) {
            let blocks = (try? PEMSplitter.blocks(in: String(decoding: bytes, as: UTF8.self))) ?? []
            return blocks.filter { !$0.isPrivateKey }.flatMap { block -> [Certificate] in
                guard let der = block.decoded() else { return [] }
                switch block.label {
                case "CERTIFICATE", "X509 CERTIFICATE": return Certificate(derBytes: der).map { [$0] } ?? []
                case "TRUSTED CERTIFICATE":
                    return X509Object.certificateDER(fromTrusted: der).flatMap(Certificate.init(derBytes:)).map { [$0] } ?? []
                case "PKCS7", "CERTIFICATE CHAIN": return pkcs7Certificates(der)
                default: return []
                }
            }
        }
        if let certificate = Certificate(derBytes: bytes) {
            return [certificate]
        }
        return pkcs7Certificates(bytes)
    }

    private static func pkcs7Certificates(_ der: [UInt8]) -> [Certificate] {
        PKCS7Certificates.objects(inDER: der).compactMap { Certificate(object: $0) }
    }
}
