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
