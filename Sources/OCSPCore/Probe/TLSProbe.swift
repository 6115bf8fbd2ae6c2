internal import COpenSSL
internal import CShims
import Foundation

/// A real TLS handshake that asks for certificate status (OCSP stapling), optionally after a
/// plain-text STARTTLS exchange, and reports what the server stapled and presented.
public struct TLSProbe: Sendable {
    public enum StartTLS: String, Sendable, CaseIterable {
        case smtp, imap, pop3
    }

    public enum ProtocolVersion: String, Sendable {
        case tls12 = "TLSv1.2"
        case tls13 = "TLSv1.3"
        case any
    }

    public struct Result: Sendable {
        /// The DER OCSP response the server stapled, exactly as sent; nil when it stapled nothing.
        public let stapled: [UInt8]?
        /// The chain the server presented, leaf first.
        public let presentedChain: [Certificate]
        /// The negotiated protocol, as OpenSSL names it (`TLSv1.3`).
        public let protocolVersion: String
    }

    public let host: String
    public let port: UInt16
    public let startTLS: StartTLS?
    public let serverName: String?
    public let version: ProtocolVersion
    public let timeout: TimeInterval

    public init(host: String, port: UInt16, startTLS: StartTLS? = nil, serverName: String? = nil,
                version: ProtocolVersion = .any, timeout: TimeInterval = 10) {
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.serverName = serverName
        self.version = version
        self.timeout = timeout
    }

    public func run() -> Swift.Result<Result, ProbeError> {
        let connection: PlainConnection
        switch PlainConnection.open(host: host, port: port, timeout: timeout) {
        case .failure(let error): return .failure(error)
        case .success(let opened): connection = opened
        }
        defer { connection.close() }
        if let startTLS {
            if let error = StartTLSDialogue.run(startTLS, on: connection) { return .failure(error) }
        }
        let range: (Int32, Int32)
        switch version {
        case .tls12: range = (TLS1_2_VERSION, TLS1_2_VERSION)
        case .tls13: range = (TLS1_3_VERSION, TLS1_3_VERSION)
        case .any: range = (TLS1_2_VERSION, TLS1_3_VERSION)
        }
        guard let context = TLSContextObject(minimum: range.0, maximum: range.1),
              let tls = TLSConnectionObject(context: context, socket: connection.descriptor)
        else { return .failure(.handshake(endpoint, OpenSSLErrorQueue.drain())) }
        if let name = serverName ?? (isAddress(host) ? nil : host) {
            _ = ocspd_ssl_set_server_name(tls.pointer, name)
        }
        _ = ocspd_ssl_request_status(tls.pointer)
        guard SSL_connect(tls.pointer) == 1 else {
            return .failure(.handshake(endpoint, OpenSSLErrorQueue.drain()))
        }
        var data: UnsafePointer<UInt8>? = nil
        let length = ocspd_ssl_stapled_response(tls.pointer, &data)
        let stapled = (length >= 0 && data != nil) ? Array(UnsafeBufferPointer(start: data, count: length)) : nil
        let chain = x509Objects(inBorrowedStack: SSL_get_peer_cert_chain(tls.pointer)).compactMap { Certificate(object: $0) }
        let negotiated = String(cString: SSL_get_version(tls.pointer))
        SSL_shutdown(tls.pointer)
        OpenSSLErrorQueue.clear()
        return .success(Result(stapled: stapled, presentedChain: chain, protocolVersion: negotiated))
    }

    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private func isAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

public enum ProbeError: Error, Equatable, CustomStringConvertible {
    case resolve(String, String)
    case connect(String, String)
    case startTLS(String, String)
    case handshake(String, String)

    public var description: String {
        switch self {
        case .resolve(let endpoint, let detail): return "\(endpoint): cannot resolve (\(detail))"
        case .connect(let endpoint, let detail): return "\(endpoint): cannot connect (\(detail))"
        case .startTLS(let endpoint, let detail): return "\(endpoint): STARTTLS failed: \(detail)"
        case .handshake(let endpoint, let detail): return "\(endpoint): TLS handshake failed: \(detail)"
        }
    }
}
