import Foundation

@testable import OCSPCore

/// A front for a real responder that notes when each request came and under which tag, then
/// passes it on. A test gives each configured staple (and each daemon) a responder URL of its
/// own, `url(tag:)`, so the responder's traffic can be counted per certificate and per sender:
/// `openssl ocsp` itself counts nothing. Whole requests only reach the responder, so a sender
/// killed mid-request cannot leave `openssl ocsp` waiting on a half-open connection.
final class TaggingFront: @unchecked Sendable {
    struct Seen: Sendable {
        let tag: String
        let at: Date
    }

    private let lock = NSLock()
    private var seen: [Seen] = []
    private var server: TestHTTPServer?

    init(to responder: String) throws {
        server = try TestHTTPServer { [weak self] request in
            let (tag, rest) = Self.split(request.path)
            self?.note(tag)
            if request.method == "GET" {
                return Self.relay(CurlForwarder.get(responder + "/" + rest))
            }
            return Self.relay(CurlForwarder.post(responder, body: request.body))
        }
    }

    deinit { stop() }

    func stop() { server?.stop() }

    /// The responder URL that files its requests under `tag` (letters, digits and `-`).
    func url(tag: String) -> String { "http://127.0.0.1:\(server?.port ?? 0)/\(tag)" }

    var requests: [Seen] { lock.withLock { seen } }

    /// The times of the requests whose tag ends with `suffix` (one certificate, all senders).
    func times(endingWith suffix: String) -> [Date] {
        requests.filter { $0.tag.hasSuffix(suffix) }.map(\.at).sorted()
    }

    private func note(_ tag: String) {
        lock.withLock { seen.append(Seen(tag: tag, at: Date())) }
    }

    /// `/TAG/REST` → (TAG, REST); a POST's path is `/TAG` alone.
    private static func split(_ path: String) -> (tag: String, rest: String) {
        let trimmed = path.drop { $0 == "/" }
        guard let slash = trimmed.firstIndex(of: "/") else { return (String(trimmed), "") }
        return (String(trimmed[..<slash]), String(trimmed[trimmed.index(after: slash)...]))
    }

    private static func relay(_ answer: (status: Int, body: [UInt8])?) -> TestHTTPServer.Reply {
        guard let answer else { return .respond(status: 502, headers: [], body: []) }
        return .respond(status: answer.status, headers: [("Content-Type", "application/ocsp-response")], body: answer.body)
    }
}
