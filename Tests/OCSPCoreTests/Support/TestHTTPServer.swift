import Foundation

@testable import OCSPCore

/// A tiny HTTP/1.0-style server on 127.0.0.1 for what no real part can do: serve a
/// caIssuers file, refuse GET, misbehave. One connection at a time, closed after each answer.
final class TestHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: [UInt8]
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Bytes written as they are (a malformed reply, a partial one).
        case raw([UInt8])
        /// Full control of the connection (slow bytes, a reset, chunked bodies).
        case custom(@Sendable (Int32) -> Void)

        static func ok(_ body: [UInt8], contentType: String) -> Reply {
            .respond(status: 200, headers: [("Content-Type", contentType)], body: body)
        }
    }

    let port: UInt16
    private let loop: AcceptLoop
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var received: [Request] = []

    var url: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { lock.withLock { received } }

    init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        loop = try AcceptLoop(for: "test HTTP server")
        port = loop.port
        loop.start { [self] connection in handle(connection) }
    }

    func stop() { loop.stop() }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        var headerEnd: Int? = nil
        var contentLength = 0
        while true {
            if let end = headerEnd, buffer.count >= end + contentLength { break }
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return }
            buffer += chunk.prefix(count)
            if headerEnd == nil, let range = findHeaderEnd(buffer) {
                headerEnd = range
                let head = String(decoding: buffer.prefix(range), as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let end = headerEnd else { return }
        let lines = String(decoding: buffer.prefix(end - 4), as: UTF8.self).split(separator: "\r\n").map(String.init)
        let requestLine = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let request = Request(
            method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "/",
            headers: headers, body: Array(buffer[end..<min(buffer.count, end + contentLength)]))
        lock.withLock { received.append(request) }
        let bytes: [UInt8]
        switch handler(request) {
        case .raw(let raw):
            bytes = raw
        case .custom(let write):
            write(connection)
            return
        case .respond(let status, let extraHeaders, let body):
            var head = "HTTP/1.1 \(status) Status\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
            bytes = Array((head + "\r\n").utf8) + body
        }
        Self.send(bytes, to: connection)
    }

    /// Writes all of `bytes` to `connection`, ignoring a peer that went away.
    static func send(_ bytes: [UInt8], to connection: Int32) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}

extension TestHTTPServer {
    /// A front for a real responder that records each request and passes it on (GET path or
    /// POST body), unless `refuseGET` answers GET with 405 as some CDNs do.
    static func proxy(to responder: String, refuseGET: Bool = false) throws -> TestHTTPServer {
        try TestHTTPServer { request in
            if request.method == "GET" {
                if refuseGET {
                    return .respond(status: 405, headers: [("Content-Type", "text/html")], body: Array("<html>GET not allowed</html>".utf8))
                }
                let encoded = String(request.path.drop { $0 == "/" })
                return relay(CurlForwarder.get(responder + "/" + encoded))
            }
            return relay(CurlForwarder.post(responder, body: request.body))
        }
    }

    private static func relay(_ answer: (status: Int, body: [UInt8])?) -> Reply {
        guard let answer else { return .respond(status: 502, headers: [], body: []) }
        return .respond(status: answer.status, headers: [("Content-Type", "application/ocsp-response")], body: answer.body)
    }
}
