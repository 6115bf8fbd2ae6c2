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
        guard let pieces = Pieces(der), !pieces.certificates.isEmpty,
            assembled(pieces, certificates: pieces.certificates) == der
        else { return nil }
        return (assembled(pieces, certificates: nil), pieces.certificates.map { Array($0) })
    }

    /// The response from its pieces, each copied byte for byte; without `certs` when nil.
    static func assembled(_ pieces: Pieces, certificates: [ArraySlice<UInt8>]?) -> [UInt8] {
        var basic: [UInt8] = []
        for field in pieces.signed { basic += field }
        if let certificates {
            var list: [UInt8] = []
            for certificate in certificates { list += certificate }
            basic += element(0xA0, element(0x30, list))
        }
        let responseBytes = element(0x30, Array(pieces.responseType) + element(0x04, element(0x30, basic)))
        return element(0x30, Array(pieces.status) + element(0xA0, responseBytes))
    }

    /// What `split` takes apart, found by the elements' headers alone: whether the tags are the
    /// structure's is settled by putting the pieces back together (`split`).
    struct Pieces {
        /// responseStatus and responseType, as encoded.
        let status: ArraySlice<UInt8>
        let responseType: ArraySlice<UInt8>
        /// tbsResponseData, signatureAlgorithm and signature, as encoded.
        let signed: [ArraySlice<UInt8>]
        let certificates: [ArraySlice<UInt8>]

        init?(_ der: [UInt8]) {
            guard let outer = DERWalk.only(in: der, der.indices), let top = DERWalk.children(of: outer, in: der), top.count == 2,
                let wrapper = DERWalk.children(of: top[1], in: der), wrapper.count == 1,
                let responseBytes = DERWalk.children(of: wrapper[0], in: der), responseBytes.count == 2,
                let octets = DERWalk.header(at: responseBytes[1].lowerBound, in: der, limit: responseBytes[1].upperBound),
                let basicElement = DERWalk.only(in: der, octets.content),
                let basic = DERWalk.children(of: basicElement, in: der), basic.count == 4,
                let certsField = DERWalk.children(of: basic[3], in: der), certsField.count == 1,
                let list = DERWalk.children(of: certsField[0], in: der)
            else { return nil }
            status = der[top[0]]
            responseType = der[responseBytes[0]]
            signed = basic.prefix(3).map { der[$0] }
            certificates = list.map { der[$0] }
        }
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

/// Just enough of a DER reader to find elements: headers with definite lengths, no more.
enum DERWalk {
    /// The header of the element at `offset`: its content's range, within `limit`.
    static func header(at offset: Int, in der: [UInt8], limit: Int) -> (tag: UInt8, content: Range<Int>)? {
        guard offset >= 0, limit <= der.count, offset + 2 <= limit, der[offset] & 0x1F != 0x1F else { return nil }
        var cursor = offset + 2
        var length = Int(der[offset + 1])
        if length >= 0x80 {
            let count = length & 0x7F
            guard (1...4).contains(count), cursor + count <= limit else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(der[cursor])
                cursor += 1
            }
        }
        guard length <= limit - cursor else { return nil }
        return (der[offset], cursor..<cursor + length)
    }

    /// The one element that fills `range` exactly.
    static func only(in der: [UInt8], _ range: Range<Int>) -> Range<Int>? {
        guard let found = header(at: range.lowerBound, in: der, limit: range.upperBound), found.content.upperBound == range.upperBound
        else { return nil }
        return range
    }

    /// The elements inside the constructed `element` (its whole encoding), in order.
    static func children(of element: Range<Int>, in der: [UInt8]) -> [Range<Int>]? {
        guard let outer = header(at: element.lowerBound, in: der, limit: element.upperBound), outer.tag & 0x20 != 0 else { return nil }
        var found: [Range<Int>] = []
        var cursor = outer.content.lowerBound
        while cursor < outer.content.upperBound {
            guard let child = header(at: cursor, in: der, limit: outer.content.upperBound) else { return nil }
            found.append(cursor..<child.content.upperBound)
            cursor = child.content.upperBound
        }
        return found
    }
}
