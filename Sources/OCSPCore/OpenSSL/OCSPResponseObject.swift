internal import COpenSSL

/// The one owner of an OpenSSL `OCSP_RESPONSE*`.
final class OCSPResponseObject: @unchecked Sendable {
    private let pointer: OpaquePointer

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

/// The one owner of an OpenSSL `X509_STORE*`: an empty store, as `OCSP_basic_verify` wants
/// one even when it is told not to build a chain.
final class X509StoreObject {
    private let pointer: OpaquePointer

    init?() {
        guard let store = X509_STORE_new() else { return nil }
        pointer = store
    }

    deinit {
        X509_STORE_free(pointer)
    }

    /// Lends the `X509_STORE*` to another owner's OpenSSL call; for `OpenSSL/` only.
    func withUnsafeObject<Value>(_ body: (OpaquePointer) throws -> Value) rethrows -> Value {
        try withExtendedLifetime(self) { try body(pointer) }
    }
}
