import COpenSSL
import Foundation
import Testing

@testable import OCSPCore

/// Whatever a responder does, the good staple on disk stays byte for byte, no temp file is
/// left, and the message names the URL and the certificate. One row per behaviour.
@Suite struct HostileResponderTests {
    /// Short limits so hanging rows take seconds, not the production 20 s.
    static let limits: TransportLimits = {
        var limits = TransportLimits()
        limits.connectTimeout = 2
        limits.totalTimeout = 3
        limits.lowSpeedWindow = 2
        return limits
    }()

    enum Behaviour: String, CaseIterable, Sendable {
        case hangBeforeHeaders, oneByteEverySecond, resetMidBody, closeWithoutBody
        case tenMegabytesWithLength, tenMegabytesWithoutLength, tenMegabytesChunked
        case htmlPage, emptyBody, notFound, methodNotAllowed, serverError, unavailableWithRetryAfter
        case malformedRequest, internalError, tryLater, sigRequired, unauthorized, successfulWithoutBytes, unknownResponseType
        case truncatedDER, trailingBytes, gigabyteLength
        case redirectToFile, redirectToFTP, redirectToGopher, redirectLoop
    }

    static func reply(_ behaviour: Behaviour, server: @escaping @Sendable () -> String)
        -> @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Reply
    {
        { _ in
            switch behaviour {
            case .hangBeforeHeaders:
                return .custom { _ in sleep(5) }
            case .oneByteEverySecond:
                return .custom { connection in
                    TestHTTPServer.send(
                        Array("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\nContent-Type: application/ocsp-response\r\n\r\n".utf8),
                        to: connection)
                    for _ in 0..<6 {
                        TestHTTPServer.send([0x30], to: connection)
                        sleep(1)
                    }
                }
            case .resetMidBody:
                return .custom { connection in
                    TestHTTPServer.send(
                        Array("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n".utf8) + [0x30, 0x82, 0x07, 0xcc, 0x0a], to: connection)
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                }
            case .closeWithoutBody:
                return .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 1500\r\n\r\n".utf8))
            case .tenMegabytesWithLength:
                return .respond(
                    status: 200, headers: [("Content-Type", "application/ocsp-response")], body: [UInt8](repeating: 0x30, count: 10 << 20))
            case .tenMegabytesWithoutLength:
                return .custom { connection in
                    TestHTTPServer.send(Array("HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n\r\n".utf8), to: connection)
                    for _ in 0..<160 { TestHTTPServer.send([UInt8](repeating: 0x30, count: 65536), to: connection) }
                }
            case .tenMegabytesChunked:
                return .custom { connection in
                    TestHTTPServer.send(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8), to: connection)
                    let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x30, count: 65536) + Array("\r\n".utf8)
                    for _ in 0..<160 { TestHTTPServer.send(chunk, to: connection) }
                    TestHTTPServer.send(Array("0\r\n\r\n".utf8), to: connection)
                }
            case .htmlPage:
                return .ok(Array("<html><body>Welcome to nginx!</body></html>".utf8), contentType: "text/html")
            case .emptyBody:
                return .ok([], contentType: "application/ocsp-response")
            case .notFound: return .respond(status: 404, headers: [], body: Array("not found".utf8))
            case .methodNotAllowed: return .respond(status: 405, headers: [], body: [])
            case .serverError: return .respond(status: 500, headers: [], body: [])
            case .unavailableWithRetryAfter: return .respond(status: 503, headers: [("Retry-After", "120")], body: [])
            case .malformedRequest: return .ok(statusOnly(1), contentType: "application/ocsp-response")
            case .internalError: return .ok(statusOnly(2), contentType: "application/ocsp-response")
            case .tryLater:
                return .respond(
                    status: 200, headers: [("Content-Type", "application/ocsp-response"), ("Retry-After", "60")], body: statusOnly(3))
            case .sigRequired: return .ok(statusOnly(5), contentType: "application/ocsp-response")
            case .unauthorized: return .ok(statusOnly(6), contentType: "application/ocsp-response")
            case .successfulWithoutBytes: return .ok(statusOnly(0), contentType: "application/ocsp-response")
            case .unknownResponseType: return .ok(unknownTypeResponse(), contentType: "application/ocsp-response")
            case .truncatedDER: return .ok(Array(validResponse(server()).dropLast(40)), contentType: "application/ocsp-response")
            case .trailingBytes: return .ok(validResponse(server()) + [0, 0, 0], contentType: "application/ocsp-response")
            case .gigabyteLength:
                return .ok([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x0a, 0x01, 0x00], contentType: "application/ocsp-response")
            case .redirectToFile: return .respond(status: 302, headers: [("Location", "file:///etc/passwd")], body: [])
            case .redirectToFTP: return .respond(status: 302, headers: [("Location", "ftp://127.0.0.1/ocsp")], body: [])
            case .redirectToGopher: return .respond(status: 302, headers: [("Location", "gopher://127.0.0.1/ocsp")], body: [])
            case .redirectLoop: return .respond(status: 302, headers: [("Location", server() + "/loop")], body: [])
            }
        }
    }

    /// The real proof saved at `path` (for truncation and trailing bytes).
    static func validResponse(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map(Array.init) ?? []
    }

    static func statusOnly(_ status: Int32) -> [UInt8] {
        guard let response = OCSP_response_create(status, nil) else { return [] }
        defer { OCSP_RESPONSE_free(response) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_OCSP_RESPONSE(response, &out)
        defer { CRYPTO_free(out, #file, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(max(0, length))))
    }

    /// successful, with responseBytes of an unknown type (1.2.3.4).
    static func unknownTypeResponse() -> [UInt8] {
        // Built by hand: SEQUENCE { ENUMERATED 0, [0] { SEQUENCE { OID 1.2.3.4, OCTET STRING 'x' } } }
        let inner: [UInt8] = [0x30, 0x08, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x01, 0x78]
        let tagged: [UInt8] = [0xa0, UInt8(inner.count)] + inner
        let content: [UInt8] = [0x0a, 0x01, 0x00] + tagged
        return [0x30, UInt8(content.count)] + content
    }

    @Test(arguments: Behaviour.allCases)
    func goodStapleSurvives(behaviour: Behaviour) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .exim).exitCode == 0)
        let before = try #require(scenario.stapleBytes)
        let proofPath = "\(scenario.folder)/valid.der"
        try Data(before).write(to: URL(fileURLWithPath: proofPath))
        let box = URLBox()
        let server = try TestHTTPServer(handler: Self.reply(behaviour) { box.value })
        defer { server.stop() }
        box.value = behaviour.rawValue.hasPrefix("redirect") ? server.url : proofPath

        let log = CapturedLog()
        let started = Date()
        let outcome = try scenario.refresh(
            target: .exim, force: true, responder: server.url,
            transport: CurlTransport(limits: Self.limits), log: log)
        #expect(outcome.exitCode == 1, "\(behaviour): \(log.text)")
        #expect(scenario.stapleBytes == before)
        #expect(scenario.temporaryFiles.isEmpty)
        #expect(log.text.contains(server.url), "\(log.text)")
        #expect(log.text.contains(scenario.leaf.serial), "\(log.text)")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(log.text.contains(Self.expectedReason(behaviour)), "\(behaviour): \(log.text)")
        if behaviour == .unavailableWithRetryAfter || behaviour == .tryLater {
            let state = StateStore(directory: scenario.stateDirectory).load(for: scenario.output)
            let wait = try #require(state.nextAttempt).timeIntervalSince(started)
            #expect(wait >= (behaviour == .tryLater ? 60 : 120) - 1, "Retry-After was not honoured")
        }
    }

    /// What the message must say about each behaviour.
    static func expectedReason(_ behaviour: Behaviour) -> String {
        switch behaviour {
        case .hangBeforeHeaders, .oneByteEverySecond: return "timed out"
        case .resetMidBody, .closeWithoutBody: return "127.0.0.1"
        case .tenMegabytesWithLength, .tenMegabytesWithoutLength, .tenMegabytesChunked: return "exceeds 64 KiB"
        case .htmlPage: return "<html>"
        case .emptyBody: return "the body is empty"
        case .notFound: return "HTTP 404"
        case .methodNotAllowed: return "HTTP 405"
        case .serverError: return "HTTP 500"
        case .unavailableWithRetryAfter: return "HTTP 503 to POST, Retry-After 120 s"
        case .malformedRequest: return "answered malformedRequest"
        case .internalError: return "answered internalError"
        case .tryLater: return "answered tryLater"
        case .sigRequired: return "answered sigRequired"
        case .unauthorized: return "answered unauthorized"
        case .successfulWithoutBytes: return "without id-pkix-ocsp-basic"
        case .unknownResponseType: return "without id-pkix-ocsp-basic"
        case .truncatedDER, .trailingBytes, .gigabyteLength: return "not a well-formed DER OCSP response"
        case .redirectToFile, .redirectToFTP, .redirectToGopher: return "refused a redirect"
        case .redirectLoop: return "more than 3 redirects"
        }
    }

    final class URLBox: @unchecked Sendable {
        var value = ""
    }

    @Test func postRedirectedWith301And302StaysAPost() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let target = try TestHTTPServer.proxy(to: responder.url)
        defer { target.stop() }
        let redirector = try TestHTTPServer { request in
            let code = request.path.hasSuffix("/b") ? 301 : 302
            return .respond(status: code, headers: [("Location", target.url + "/moved")], body: [])
        }
        defer { redirector.stop() }
        let long = String(repeating: "p", count: 240)
        for path in ["a", "b"] {
            let outcome = try scenario.refresh(target: .exim, force: true, responder: "\(redirector.url)/\(long)/\(path)")
            #expect(outcome.exitCode == 0)
        }
        #expect(redirector.requests.map(\.method) == ["POST", "POST"])
        #expect(target.requests.map(\.method) == ["POST", "POST"])
    }

    @Test func wrongOrMissingContentTypeOnAValidBodyIsAcceptedWithAWarning() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        for contentType in ["text/plain", nil] as [String?] {
            let proof = try scenario.fetchWithOpenSSL(from: responder.url)
            let server = try TestHTTPServer { _ in
                .respond(status: 200, headers: contentType.map { [("Content-Type", $0)] } ?? [], body: proof.derBytes)
            }
            defer { server.stop() }
            let log = CapturedLog()
            let outcome = try scenario.refresh(target: .exim, force: true, responder: server.url, log: log)
            #expect(outcome.exitCode == 0)
            #expect(
                log.text.contains("warning: \(server.url) sent a valid OCSP response with Content-Type \(contentType ?? "(none)")"),
                "\(log.text)")
        }
    }
}
