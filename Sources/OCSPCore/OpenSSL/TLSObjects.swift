internal import COpenSSL
internal import CShims

/// The one owner of an OpenSSL `SSL_CTX*` for a client handshake.
final class TLSContextObject {
    let pointer: OpaquePointer

    init?(minimum: Int32, maximum: Int32) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { return nil }
        pointer = context
        // The probe reports on the chain itself; a failed chain check must not hide the staple.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        guard ocspd_ssl_ctx_set_protocol_range(context, minimum, maximum) == 1 else { return nil }
    }

    deinit {
        SSL_CTX_free(pointer)
    }
}

/// The one owner of an OpenSSL `SSL*` on a connected socket it does not own.
final class TLSConnectionObject {
    let pointer: OpaquePointer
    let context: TLSContextObject

    init?(context: TLSContextObject, socket: Int32) {
        guard let ssl = SSL_new(context.pointer) else { return nil }
        pointer = ssl
        self.context = context
        guard SSL_set_fd(ssl, socket) == 1 else { return nil }
    }

    deinit {
        SSL_free(pointer)
    }
}
