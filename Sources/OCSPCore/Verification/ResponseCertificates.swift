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
            assembled(parts, certificates: parts.certificates) == der
        else { return nil }
        return (assembled(parts, certificates: nil), parts.certificates.map { Array($0) })
    }

    /// The response from its parts, the signed ones byte for byte; without `certs` when nil.
    static func assembled(_ parts: StapleAssembler.Parts, certificates: [ArraySlice<UInt8>]?) -> [UInt8] {
        var basic: [UInt8] = []
        for field in parts.basic.prefix(3) { basic += field.encodedBytes }
        if let certificates {
            var list: [UInt8] = []
            for certificate in certificates { list += certificate }
            basic += element(0xA0, element(0x30, list))
        }
        let responseBytes = element(0x30, Array(parts.responseBytes[0].encodedBytes) + element(0x04, element(0x30, basic)))
        return element(0x30, Array(parts.outer[0].encodedBytes) + element(0xA0, responseBytes))
    }

    /// One DER element: `tag`, the definite length in its shortest form, `content`.
    static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var encoded: [UInt8] = [tag]
        if content.count < 0x80 {
            encoded.append(UInt8(content.count))
        } else {
            var length: [UInt8] = []
            var remaining = content.count
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            encoded.append(0x80 | UInt8(length.count))
            encoded += length
        }
        encoded.reserveCapacity(encoded.count + content.count)
        return encoded + content
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
