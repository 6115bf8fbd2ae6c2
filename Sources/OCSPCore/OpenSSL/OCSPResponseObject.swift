internal import COpenSSL
internal import CShims

/// The one owner of an OpenSSL `OCSP_RESPONSE*`.
final class OCSPResponseObject: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Decodes exactly `derBytes`; nil when OpenSSL refuses them or bytes are left over.
    init?(derBytes: [UInt8]) {
        let decoded: OpaquePointer? = derBytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let response = d2i_OCSP_RESPONSE(nil, &cursor, buffer.count) else { return nil }
            guard let end = cursor, end == base + buffer.count else {
                OCSP_RESPONSE_free(response)
                return nil
            }
            return response
        }
        guard let decoded else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        pointer = decoded
    }

    deinit {
        OCSP_RESPONSE_free(pointer)
    }

    var status: Int32 { OCSP_response_status(pointer) }

    /// The BasicOCSPResponse inside, or nil when responseBytes are absent or of another type.
    func basic() -> BasicResponseObject? {
        guard let basic = OCSP_response_get1_basic(pointer) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return BasicResponseObject(takingOwnershipOf: basic)
    }
}

/// The one owner of an OpenSSL `OCSP_BASICRESP*`. Read-only after decoding.
final class BasicResponseObject: @unchecked Sendable {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        OCSP_BASICRESP_free(pointer)
    }

    /// OpenSSL's own responderID lookup (byName or byKey) over the response's embedded
    /// certificates and `candidates`; nil when none matches.
    func signer(among candidates: [X509Object]) -> X509Object? {
        let extra = X509StackObject(candidates)
        var found: OpaquePointer? = nil
        let result = withExtendedLifetime(candidates) { OCSP_resp_get0_signer(pointer, &found, extra.pointer) }
        OpenSSLErrorQueue.clear()
        guard result > 0, let found else { return nil }
        return X509Object(retaining: found)
    }

    /// Checks only the signature with `signer`'s key (no chain, no intern certificates):
    /// nil when it verifies, else OpenSSL's reason.
    func signatureFailure(with signer: X509Object) -> String? {
        let only = X509StackObject([signer])
        guard let store = X509_STORE_new() else { return OpenSSLErrorQueue.drain() }
        defer { X509_STORE_free(store) }
        let flags = UInt(OCSP_NOINTERN) | UInt(OCSP_NOVERIFY)
        let result = withExtendedLifetime(signer) { OCSP_basic_verify(pointer, only.pointer, store, flags) }
        return result == 1 ? nil : OpenSSLErrorQueue.drain()
    }
}

/// The one owner of an OpenSSL `OCSP_REQUEST*` while a request is built.
final class OCSPRequestObject {
    let pointer: OpaquePointer

    init?() {
        guard let request = OCSP_REQUEST_new() else { return nil }
        pointer = request
    }

    deinit {
        OCSP_REQUEST_free(pointer)
    }

    var derBytes: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_OCSP_REQUEST(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { ocspd_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// The certificates of a PKCS#7 certs-only structure (a caIssuers bundle), DER; empty when
/// the bytes are not one.
enum PKCS7Certificates {
    static func objects(inDER der: [UInt8]) -> [X509Object] {
        let pkcs7: UnsafeMutablePointer<PKCS7>? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        }
        guard let pkcs7 else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { PKCS7_free(pkcs7) }
        return x509Objects(inBorrowedStack: ocspd_pkcs7_certificates(pkcs7))
    }
}
