internal import COpenSSL
internal import CShims
import Foundation

/// The protocol versions a probe may offer.
enum TLSVersion {
    case tls12, tls13

    fileprivate var code: Int32 {
        switch self {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }
}

/// The one owner of an OpenSSL `SSL_CTX*` for a client handshake.
final class TLSContextObject {
    private let pointer: OpaquePointer

    /// Nil (OpenSSL's reason left queued) when the context cannot be made or limited.
    init?(minimum: TLSVersion, maximum: TLSVersion) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { return nil }
        pointer = context
        // The probe reports on the chain itself; a failed chain check must not hide the staple.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        guard ocspd_ssl_ctx_set_protocol_range(context, minimum.code, maximum.code) == 1 else { return nil }
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    fileprivate func withUnsafeObject<Value>(_ body: (OpaquePointer) -> Value) -> Value {
        withExtendedLifetime(self) { body(pointer) }
    }
}

/// The one owner of an OpenSSL `SSL*` on a connected socket it does not own.
final class TLSConnectionObject {
    private let pointer: OpaquePointer
    private let context: TLSContextObject

    /// What one `SSL_connect` attempt on a non-blocking socket came to.
    enum HandshakeStep: Equatable {
        case done
        case wantRead
        case wantWrite
        /// A system call failed: OpenSSL's queued reasons, or errno's text, or a close.
        case failed(String)
    }

    /// Nil (OpenSSL's reason left queued) when the connection object cannot be made.
    init?(context: TLSContextObject, socket: Int32) {
        guard let ssl = context.withUnsafeObject({ SSL_new($0) }) else { return nil }
        pointer = ssl
        self.context = context
        guard SSL_set_fd(ssl, socket) == 1 else { return nil }
    }

    deinit {
        SSL_free(pointer)
    }

    /// Sends `name` as SNI; OpenSSL's reason when it refuses it.
    func setServerName(_ name: String) -> String? {
        ocspd_ssl_set_server_name(pointer, name) == 1 ? nil : OpenSSLErrorQueue.drain()
    }

    /// Offers only these signature algorithms (OpenSSL's list syntax, `ECDSA+SHA256:...`), so a
    /// server holding several certificates presents the one they fit; OpenSSL's reason when it
    /// refuses the list. `SSL_set1_sigalgs_list` is a macro over `SSL_ctrl`, which copies the list.
    func offerSignatureAlgorithms(_ list: String) -> String? {
        let code = list.withCString { SSL_ctrl(pointer, SSL_CTRL_SET_SIGALGS_LIST, 0, UnsafeMutableRawPointer(mutating: $0)) }
        return code == 1 ? nil : OpenSSLErrorQueue.drain()
    }

    /// Asks the server for certificate status (status_request); OpenSSL's reason when it cannot.
    func requestStatus() -> String? {
        ocspd_ssl_request_status(pointer) == 1 ? nil : OpenSSLErrorQueue.drain()
    }

    /// One `SSL_connect` attempt.
    func connectStep() -> HandshakeStep {
        let code = SSL_connect(pointer)
        if code == 1 { return .done }
        let reason = SSL_get_error(pointer, code)
        let savedErrno = errno
        switch reason {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_SYSCALL:
            let queued = OpenSSLErrorQueue.drain()
            if queued != OpenSSLErrorQueue.nothingQueued { return .failed(queued) }
            return .failed(savedErrno == 0 ? "the server closed the connection" : String(cString: strerror(savedErrno)))
        case SSL_ERROR_ZERO_RETURN:
            return .failed("the server closed the connection")
        default:
            return .failed(OpenSSLErrorQueue.drain())
        }
    }

    /// The DER OCSP response the server stapled, exactly as sent; nil when it stapled nothing.
    var stapledResponse: [UInt8]? {
        var data: UnsafePointer<UInt8>? = nil
        let length = ocspd_ssl_stapled_response(pointer, &data)
        guard length >= 0, let data else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// The chain the server presented, leaf first.
    var peerChain: [X509Object] {
        x509Objects(inBorrowedStack: SSL_get_peer_cert_chain(pointer))
    }

    /// The negotiated protocol, as OpenSSL names it (`TLSv1.3`).
    var negotiatedVersion: String {
        String(cString: SSL_get_version(pointer))
    }

    /// Sends close_notify without waiting for the server's: the probe is done either way,
    /// so a failure here is not reported (the queue is cleared for the next caller).
    func shutDown() {
        _ = SSL_shutdown(pointer)
        OpenSSLErrorQueue.clear()
    }
}
