import Foundation
import Testing

@testable import OCSPCore

/// How ocspd asks responders: RFC 5019 GET when it fits, POST otherwise, failover in order.
@Suite struct FetchTests {
    @Test func getURLUsesStandardBase64PercentEncodedAfterExactlyOneSlash() throws {
        let scenario = try Scenario()
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let base64 = Data(request.derBytes).base64EncodedString()
        let expected = base64.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(
            of: "=", with: "%3D")
        #expect(OCSPFetcher.getURL(for: request, base: "http://ocsp.example.test") == "http://ocsp.example.test/" + expected)
        #expect(OCSPFetcher.getURL(for: request, base: "http://ocsp.example.test/") == "http://ocsp.example.test/" + expected)
    }

    @Test func requestCarriesOneSHA1CertIDAndNoNonceByDefault() throws {
        let scenario = try Scenario()
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        #expect(request.certID.hashAlgorithm == "sha1")
        #expect(request.certID.identifies(scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate))
        #expect(request.nonce == nil)
        let text = try requestText(request, in: scenario.folder)
        #expect(text.contains("Hash Algorithm: sha1"))
        #expect(!text.contains("Nonce"))
        let withNonce = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate, nonce: true)
        // OCTET STRING wrapping 32 random bytes.
        #expect(withNonce.nonce?.count == 34)
    }

    @Test func shortRequestsUseGET() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let fetched = try OCSPFetcher(transport: CurlTransport()).fetch(request, from: proxy.url).get()
        #expect(fetched.method == .get)
        #expect(proxy.requests.map(\.method) == ["GET"])
        #expect(fetched.response.status == .successful)
    }

    @Test func requestsThatWouldMakeTheURLLongerThan255BytesUsePOST() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let longBase = proxy.url + "/" + String(repeating: "p", count: 200)
        let fetched = try OCSPFetcher(transport: CurlTransport()).fetch(request, from: longBase).get()
        #expect(fetched.method == .post)
        #expect(proxy.requests.map(\.method) == ["POST"])
        #expect(proxy.requests.first?.headers["content-type"] == "application/ocsp-request")
        #expect(proxy.requests.first?.body == request.derBytes)
    }

    @Test func refusedGETIsRetriedOnceAsPOST() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url, refuseGET: true)
        defer { proxy.stop() }
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let fetched = try OCSPFetcher(transport: CurlTransport()).fetch(request, from: proxy.url).get()
        #expect(fetched.method == .post)
        #expect(proxy.requests.map(\.method) == ["GET", "POST"])
    }

    @Test func realResponderAnswersGETDirectly() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let fetched = try OCSPFetcher(transport: CurlTransport()).fetch(request, from: scenario.url).get()
        #expect(fetched.method == .get)
        #expect(try StapleVerifier.verify(fetched.response, for: scenario.subject, at: Date()).get().status == .good)
    }

    @Test func unreachableResponderNamesTheURL() throws {
        let scenario = try Scenario()
        let request = try OCSPRequest(for: scenario.leaf.certificate, issuedBy: scenario.pki.intermediate.certificate)
        let result = OCSPFetcher(transport: CurlTransport()).fetch(request, from: scenario.url)
        guard case .failure(let failure) = result, case .transport(.connectFailed) = failure.reason else {
            Issue.record("expected a connection failure, got \(result)")
            return
        }
        #expect(failure.description.contains(scenario.url))
    }

    private func requestText(_ request: OCSPRequest, in folder: String) throws -> String {
        let path = "\(folder)/request.der"
        try Data(request.derBytes).write(to: URL(fileURLWithPath: path))
        return try Command.openssl(["ocsp", "-reqin", path, "-req_text"]).stdoutText
    }
}
