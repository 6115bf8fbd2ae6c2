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

    /// What one handshake showed.
    public struct Observation: Sendable {
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
    /// Seconds for everything: connect, banner, EHLO, STARTTLS and the handshake together.
    public let timeout: TimeInterval
    public let readLimits: ProbeReadLimits
    /// Offer only this key type's signature algorithms; nil offers OpenSSL's defaults (all).
    public let keyType: KeyType?

    public static let defaultTimeout: TimeInterval = 10

    public init(
        host: String, port: UInt16, startTLS: StartTLS? = nil, serverName: String? = nil,
        version: ProtocolVersion = .any, timeout: TimeInterval = TLSProbe.defaultTimeout,
        readLimits: ProbeReadLimits = ProbeReadLimits(), keyType: KeyType? = nil
    ) {
        self.keyType = keyType
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.serverName = serverName
        self.version = version
        self.timeout = timeout
        self.readLimits = readLimits
    }

    public func run() -> Result<Observation, ProbeError> {
        let connection: PlainConnection
        switch PlainConnection.open(host: host, port: port, deadline: ProbeDeadline(seconds: timeout), limits: readLimits) {
        case .failure(let error): return .failure(error)
        case .success(let opened): connection = opened
        }
        defer { connection.close() }
        if let startTLS {
            if let error = StartTLSDialogue.run(startTLS, on: connection) { return .failure(error) }
        }
        let tls: TLSConnectionObject
        switch prepare(on: connection) {
        case .failure(let error): return .failure(error)
        case .success(let prepared): tls = prepared
        }
        if let error = handshake(tls, on: connection) { return .failure(error) }
        let observation = Observation(
            stapled: tls.stapledResponse, presentedChain: tls.peerChain.compactMap { Certificate(object: $0) },
            protocolVersion: tls.negotiatedVersion)
        tls.shutDown()
        return .success(observation)
    }

    /// The TLS client on the connected socket: the versions asked for, SNI (unless the host is
    /// an address and no name was given) and the status_request extension.
    private func prepare(on connection: PlainConnection) -> Result<TLSConnectionObject, ProbeError> {
        let range: (TLSVersion, TLSVersion)
        switch version {
        case .tls12: range = (.tls12, .tls12)
        case .tls13: range = (.tls13, .tls13)
        case .any: range = (.tls12, .tls13)
        }
        guard let context = TLSContextObject(minimum: range.0, maximum: range.1),
            let tls = TLSConnectionObject(context: context, socket: connection.descriptor)
        else { return .failure(.handshake(endpoint, OpenSSLErrorQueue.drain())) }
        if let name = serverName ?? (isAddress(host) ? nil : host), let refused = tls.setServerName(name) {
            return .failure(.handshake(endpoint, "OpenSSL refused the server name \(name) for SNI: \(refused)"))
        }
        if let keyType, let refused = tls.offerSignatureAlgorithms(keyType.signatureAlgorithms) {
            return .failure(.handshake(endpoint, "OpenSSL refused the \(keyType.rawValue) signature algorithms: \(refused)"))
        }
        if let refused = tls.requestStatus() {
            return .failure(.handshake(endpoint, "OpenSSL could not ask for a stapled OCSP response: \(refused)"))
        }
        return .success(tls)
    }

    /// SSL_connect on the non-blocking socket, waiting for it within the probe's deadline.
    private func handshake(_ tls: TLSConnectionObject, on connection: PlainConnection) -> ProbeError? {
        connection.phase = .handshake
        OpenSSLErrorQueue.clear()
        while true {
            switch tls.connectStep() {
            case .done:
                return nil
            case .wantRead:
                if let timeout = connection.wait(for: Int16(POLLIN)) { return timeout }
            case .wantWrite:
                if let timeout = connection.wait(for: Int16(POLLOUT)) { return timeout }
            case .failed(let reason):
                return .handshake(endpoint, reason)
            }
        }
    }

    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

public enum ProbeError: Error, Equatable, CustomStringConvertible {
    case resolve(String, String)
    case connect(String, String)
    case startTLS(String, String)
    case handshake(String, String)
    case timedOut(String, seconds: TimeInterval, during: ProbePhase)
    /// The server sent more than a probe reads (`ProbeReadLimits`).
    case tooMuch(String, String, during: ProbePhase)

    private static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }

    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }

    /// The reason without the endpoint.
    var detail: String {
        switch self {
        case .resolve(_, let detail), .connect(_, let detail), .startTLS(_, let detail), .handshake(_, let detail): return detail
        case .timedOut, .tooMuch: return description
        }
    }

    public var description: String {
        switch self {
        case .timedOut(let endpoint, let seconds, let phase):
            return
                "\(endpoint): timed out after \(Self.format(seconds)) s during \(phase.rawValue); the server is too slow or not speaking this protocol (--timeout sets the limit)"
        case .tooMuch(let endpoint, let what, let phase):
            return
                "\(endpoint): the server sent \(what) during \(phase.rawValue); a probe reads no more (is it the right port and protocol?)"
        case .resolve(let endpoint, let detail): return "\(endpoint): cannot resolve (\(detail))"
        case .connect(let endpoint, let detail): return "\(endpoint): cannot connect (\(detail))"
        case .startTLS(let endpoint, let detail): return "\(endpoint): STARTTLS failed: \(detail)"
        case .handshake(let endpoint, let detail): return "\(endpoint): TLS handshake failed: \(detail)"
        }
    }
}
