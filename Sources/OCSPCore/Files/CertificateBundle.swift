internal import COpenSSL
internal import CShims

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
                case "TRUSTED CERTIFICATE": return X509Object.certificateDER(fromTrusted: der).flatMap(Certificate.init(derBytes:)).map { [$0] } ?? []
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
        let pkcs7: UnsafeMutablePointer<PKCS7>? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        }
        guard let pkcs7 else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { PKCS7_free(pkcs7) }
        return x509Objects(inBorrowedStack: ocspd_pkcs7_certificates(pkcs7)).compactMap { Certificate(object: $0) }
    }
}
