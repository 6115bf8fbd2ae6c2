import COpenSSL
import Foundation

@testable import OCSPCore

/// Signs OCSP responses no real responder would send (conflicting answers, nextUpdate before
/// thisUpdate, the extended revoked form), with OpenSSL's own API and the test PKI's keys.
enum ProofForger {
    struct Answer {
        var status: Int32 = V_OCSP_CERTSTATUS_GOOD
        var reason: Int32 = -1
        var revocationTime: Date? = nil
        var thisUpdate: Date = Date()
        var nextUpdate: Date? = Date().addingTimeInterval(3600)
    }

    struct Failed: Error {}

    static func sign(
        for leaf: IssuedCertificate, issuer: IssuedCertificate, signer: IssuedCertificate,
        answers: [Answer], extendedRevoke: Bool = false, embedding extra: [IssuedCertificate] = []
    ) throws -> [UInt8] {
        guard let basic = OCSP_BASICRESP_new() else { throw Failed() }
        defer { OCSP_BASICRESP_free(basic) }
        let leafX509 = try load(leaf.certificatePath)
        let issuerX509 = try load(issuer.certificatePath)
        let signerX509 = try load(signer.certificatePath)
        defer {
            X509_free(leafX509)
            X509_free(issuerX509)
            X509_free(signerX509)
        }
        for answer in answers {
            guard let id = OCSP_cert_to_id(EVP_sha1(), leafX509, issuerX509) else { throw Failed() }
            defer { OCSP_CERTID_free(id) }
            let thisUpdate = ASN1_GENERALIZEDTIME_set(nil, time_t(answer.thisUpdate.timeIntervalSince1970))
            let nextUpdate = answer.nextUpdate.map { ASN1_GENERALIZEDTIME_set(nil, time_t($0.timeIntervalSince1970)) } ?? nil
            let revoked = answer.revocationTime.map { ASN1_GENERALIZEDTIME_set(nil, time_t($0.timeIntervalSince1970)) } ?? nil
            defer {
                ASN1_STRING_free(thisUpdate)
                ASN1_STRING_free(nextUpdate)
                ASN1_STRING_free(revoked)
            }
            guard OCSP_basic_add1_status(basic, id, answer.status, answer.reason, revoked, thisUpdate, nextUpdate) != nil else {
                throw Failed()
            }
        }
        if extendedRevoke {
            // id-pkix-ocsp-extended-revoke (1.3.6.1.5.5.7.48.1.9), value NULL (RFC 6960 §4.4.8).
            guard let object = OBJ_txt2obj("1.3.6.1.5.5.7.48.1.9", 1), let value = ASN1_OCTET_STRING_new() else { throw Failed() }
            defer {
                ASN1_OBJECT_free(object)
                ASN1_OCTET_STRING_free(value)
            }
            var null: [UInt8] = [0x05, 0x00]
            ASN1_OCTET_STRING_set(value, &null, 2)
            guard let ext = X509_EXTENSION_create_by_OBJ(nil, object, 0, value) else { throw Failed() }
            defer { X509_EXTENSION_free(ext) }
            OCSP_BASICRESP_add_ext(basic, ext, -1)
        }
        for certificate in extra {
            // Outside the signed data: a responder may pad its answer with any certificates.
            let x509 = try load(certificate.certificatePath)
            defer { X509_free(x509) }
            guard OCSP_basic_add1_cert(basic, x509) == 1 else { throw Failed() }
        }
        guard let bio = BIO_new_file(signer.keyPath, "r") else { throw Failed() }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else { throw Failed() }
        defer { EVP_PKEY_free(key) }
        guard OCSP_basic_sign(basic, signerX509, key, EVP_sha256(), nil, 0) == 1 else { throw Failed() }
        guard let response = OCSP_response_create(0, basic) else { throw Failed() }
        defer { OCSP_RESPONSE_free(response) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_OCSP_RESPONSE(response, &out)
        defer { CRYPTO_free(out, #file, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(max(0, length))))
    }

    private static func load(_ path: String) throws -> OpaquePointer {
        guard let bio = BIO_new_file(path, "r") else { throw Failed() }
        defer { BIO_free(bio) }
        guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else { throw Failed() }
        return x509
    }
}
