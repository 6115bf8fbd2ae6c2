internal import COpenSSL
internal import CShims
import Foundation

/// Conversions from OpenSSL's ASN.1 objects to the Swift values the rest of ocspd sees.
enum ASN1Conversions {
    /// An `ASN1_TIME` (UTCTime or GeneralizedTime) as a `Date`, or nil if it is malformed.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// An `ASN1_INTEGER` as lowercase hex without leading zeros, as `inspect` prints serials.
    static func hex(integer: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let integer, let bignum = ScratchObject(ASN1_INTEGER_to_BN(integer, nil), freedBy: { BN_free($0) }),
            let text = bignum.withUnsafeObject({ BN_bn2hex($0) })
        else { return "" }
        defer { ocspd_openssl_free(text) }
        let upper = String(cString: text)
        let negative = upper.hasPrefix("-")
        var digits = Substring(negative ? String(upper.dropFirst()) : upper)
        while digits.count > 1, digits.first == "0" { digits = digits.dropFirst() }
        return (negative ? "-" : "") + digits.lowercased()
    }

    /// The bytes of an `ASN1_STRING` (octet strings, IA5 strings, bit strings).
    static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> [UInt8] {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return [] }
        let length = Int(ASN1_STRING_length(string))
        return Array(UnsafeBufferPointer(start: data, count: max(0, length)))
    }

    /// An `X509_NAME` as an RFC 4514 string (most specific RDN first), UTF-8 left unescaped.
    static func rfc4514(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        return withMemoryBIO { bio in
            X509_NAME_print_ex(bio, name, 0, ocspd_name_flags_rfc4514()) >= 0
        }
    }

    /// An `X509_NAME` in OpenSSL's one-line form (`C = XX, O = Org, CN = Name`), as `openssl ocsp -resp_text` prints it.
    static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        return withMemoryBIO { bio in
            X509_NAME_print_ex(bio, name, 0, ocspd_name_flags_oneline()) >= 0
        }
    }

    /// OpenSSL's name for an algorithm or other object (`sha1`, `sha256WithRSAEncryption`),
    /// or its dotted OID when OpenSSL has no name for it.
    static func name(ofObject object: OpaquePointer?) -> String {
        guard let object else { return "" }
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let longName = OBJ_nid2ln(nid) {
            return String(cString: longName)
        }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        guard length > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(min(length, 127))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `body` against a fresh memory BIO and returns what it wrote as text; empty when
    /// `body` reports a failure (a half-written name is no name).
    static func withMemoryBIO(_ body: (OpaquePointer) -> Bool) -> String {
        // BIO_free's result says whether it freed; a memory BIO always can.
        guard let bio = ScratchObject(BIO_new(BIO_s_mem()), freedBy: { _ = BIO_free($0) }) else { return "" }
        return bio.withUnsafeObject { bio in
            guard body(bio) else {
                OpenSSLErrorQueue.clear()
                return ""
            }
            var data: UnsafePointer<CChar>? = nil
            let length = ocspd_bio_get_mem_data(bio, &data)
            guard length > 0, let data else { return "" }
            return data.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
        }
    }
}
