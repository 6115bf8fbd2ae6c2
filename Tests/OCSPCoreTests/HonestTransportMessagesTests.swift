import Foundation
import Testing

@testable import OCSPCore

/// A failed transfer is described as what really happened: not every odd answer is "a
/// redirect", not every large one "out of memory", and a failing proxy is named as the proxy.
@Suite struct HonestTransportMessagesTests {
    private func failure(for reply: TestHTTPServer.Reply) throws -> TransportError {
        let server = try TestHTTPServer { _ in reply }
        defer { server.stop() }
        var limits = TransportLimits()
        limits.totalTimeout = 5
        let transport = CurlTransport(limits: limits, proxies: ProxyEnvironment([:]))
        guard case .failure(let error) = transport.perform(.get(server.url + "/request")) else {
            Issue.record("the transfer succeeded")
            throw CancellationError()
        }
        return error
    }

    @Test func anHTTP09AnswerIsNotHTTPNotARedirect() throws {
        let error = try failure(for: .raw([0x30, 0x03, 0x0A, 0x01, 0x06] + Array(" and no status line\n".utf8)))
        guard case .notHTTP(nil, _) = error.reason else {
            Issue.record("\(error)")
            return
        }
        #expect(error.description.contains("not well-formed HTTP: no status line"))
        #expect(!error.description.contains("redirect"))
    }

    @Test func anInterimAnswerThenNonsenseIsNotHTTPNotARedirect() throws {
        let error = try failure(for: .raw(Array("HTTP/1.1 100 Continue\r\n\r\nthis is not HTTP\r\n".utf8)))
        guard case .notHTTP(100, _) = error.reason else {
            Issue.record("\(error)")
            return
        }
        #expect(error.description.contains("after an interim HTTP 100 answer"))
        #expect(!error.description.contains("redirect"))
    }

    @Test func anInterimAnswerThenCloseSaysSo() throws {
        let error = try failure(for: .raw(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)))
        #expect(error.reason == .interimAnswerOnly(status: 100))
        #expect(error.description.contains("only an interim HTTP 100 answer"))
    }

    @Test func aOneMegabyteHeaderIsTooLargeNotOutOfMemory() throws {
        let head =
            Array("HTTP/1.1 200 OK\r\nX-Big: ".utf8) + [UInt8](repeating: 0x61, count: 1 << 20)
            + Array("\r\nContent-Length: 0\r\n\r\n".utf8)
        let error = try failure(for: .raw(head))
        guard case .headersTooLarge = error.reason else {
            Issue.record("\(error)")
            return
        }
        #expect(error.description.contains("headers are larger than libcurl accepts"), "\(error)")
    }

    @Test func manyHeadersAreTooLarge() throws {
        let line = "X-A: " + String(repeating: "b", count: 95) + "\r\n"
        let head = "HTTP/1.1 200 OK\r\n" + String(repeating: line, count: 4000) + "Content-Length: 0\r\n\r\n"
        let error = try failure(for: .raw(Array(head.utf8)))
        guard case .headersTooLarge = error.reason else {
            Issue.record("\(error)")
            return
        }
    }

    @Test func aRedirectToAnotherSchemeIsStillARefusedRedirect() throws {
        let error = try failure(for: .respond(status: 302, headers: [("Location", "ftp://127.0.0.1/x")], body: []))
        guard case .redirectRefused = error.reason else {
            Issue.record("\(error)")
            return
        }
    }

    // MARK: - Proxies, through the built binary with the proxy variables set

    /// `ocspd refresh` for the scenario's staple with only `proxy` variables in the environment.
    private func refresh(_ scenario: Scenario, proxy: [String: String], responder: String? = nil) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"] {
            environment[key] = nil
        }
        environment.merge(proxy) { _, new in new }
        var arguments = [
            "refresh", "--chain", try scenario.chainFile(), "--output", scenario.output, "--state-dir", scenario.stateDirectory,
        ]
        if let responder { arguments += ["--responder", responder] }
        return try Command.run(OCSPDBinary.path, arguments, environment: environment)
    }

    @Test func aProxyRefusingConnectionsIsNamedNotTheResponder() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let closed = FreePort.pick()
        let result = try refresh(scenario, proxy: ["http_proxy": "http://ocspd:pr0xy-secret@127.0.0.1:\(closed)"])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("the HTTP proxy http://ocspd:***@127.0.0.1:\(closed) (from http_proxy) refuses connections"),
            "\(result.stderr)")
        #expect(result.stderr.contains("the responder was not reached"))
        #expect(!result.stderr.contains("pr0xy-secret"))
    }

    @Test func aResponderPausedAfterProxyFailuresStillNamesTheProxy() throws {
        let scenario = try Scenario()
        let chains = "\(scenario.folder)/chains"
        try FileManager.default.createDirectory(atPath: chains, withIntermediateDirectories: true)
        for index in 0..<14 {
            let leaf = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
            try FileManager.default.moveItem(
                atPath: try scenario.pki.chainFile(for: leaf, in: scenario.folder), toPath: "\(chains)/site\(index).pem")
        }
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        max-per-responder: 1
        defaults: { target: generic }
        directories: [ { path: \(chains), output-dir: \(scenario.folder) } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for key in ["https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"] { environment[key] = nil }
        environment["http_proxy"] = "http://127.0.0.1:\(FreePort.pick())"
        let result = try Command.run(OCSPDBinary.path, ["refresh", "--config", config], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("requests in a row"), "\(result.stderr)")
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("ocspd: error: refresh of") }
        #expect(errors.count == 14)
        #expect(errors.allSatisfy { $0.contains("the HTTP proxy http://127.0.0.1:") }, "\(result.stderr)")
    }

    @Test func aProxyAnswering407ForPlainHTTPIsNamed() throws {
        let scenario = try Scenario()
        let proxy = try TestHTTPServer { _ in
            .respond(status: 407, headers: [("Proxy-Authenticate", "Basic realm=\"proxy\"")], body: [])
        }
        let result = try refresh(scenario, proxy: ["http_proxy": proxy.url])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("the HTTP proxy \(proxy.url) (from http_proxy) answered HTTP 407 Proxy Authentication Required"),
            "\(result.stderr)")
        #expect(!proxy.requests.isEmpty)
    }

    @Test func anErrorStatusThroughAProxyMentionsTheProxy() throws {
        let scenario = try Scenario()
        let proxy = try TestHTTPServer { _ in .respond(status: 502, headers: [], body: Array("Bad Gateway".utf8)) }
        let result = try refresh(scenario, proxy: ["http_proxy": proxy.url])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("HTTP 502 to POST (through the HTTP proxy \(proxy.url) (from http_proxy); it may be the proxy's doing)"),
            "\(result.stderr)")
    }

    @Test func aProxyRefusingTheTunnelForHTTPSIsNamed() throws {
        let scenario = try Scenario()
        let proxy = try TestHTTPServer { _ in
            .raw(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        }
        let result = try refresh(scenario, proxy: ["HTTPS_PROXY": proxy.url], responder: "https://ocsp.example.test/")
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "the HTTP proxy \(proxy.url) (from HTTPS_PROXY) refused the tunnel to the responder: HTTP 403 to CONNECT"),
            "\(result.stderr)")
        #expect(proxy.requests.first?.method == "CONNECT")
    }

    @Test(
        arguments: [
            (["http_proxy": "http://p:1"], "http://ocsp.example/", "http://p:1", "http_proxy"),
            (["HTTP_PROXY": "http://p:1"], "http://ocsp.example/", nil, nil),
            (["HTTPS_PROXY": "http://p:2"], "https://ocsp.example/", "http://p:2", "HTTPS_PROXY"),
            (["https_proxy": "", "ALL_PROXY": "http://p:3"], "https://ocsp.example/", nil, nil),
            (["ALL_PROXY": "socks5://u:pw@p:3"], "http://ocsp.example/", "socks5://u:***@p:3", "ALL_PROXY"),
            (["http_proxy": "http://p:1", "no_proxy": "example"], "http://ocsp.example/", nil, nil),
            (["http_proxy": "http://p:1", "no_proxy": ".ocsp.example."], "http://OCSP.example/", nil, nil),
            (["http_proxy": "http://p:1", "no_proxy": "le"], "http://ocsp.example/", "http://p:1", "http_proxy"),
            (["http_proxy": "http://p:1", "NO_PROXY": "10.0.0.0/8, 192.168.1.1"], "http://10.2.3.4/", nil, nil),
            (["http_proxy": "http://p:1", "NO_PROXY": "10.0.0.0/8"], "http://11.2.3.4/", "http://p:1", "http_proxy"),
            (["http_proxy": "http://p:1", "no_proxy": "::1"], "http://[::1]:8080/", nil, nil),
            (["http_proxy": "http://p:1", "no_proxy": "*"], "http://ocsp.example/", nil, nil),
        ] as [([String: String], String, String?, String?)])
    func theProxyIsFoundAsLibcurlFindsIt(environment: [String: String], url: String, proxy: String?, variable: String?) {
        let found = ProxyEnvironment(environment).proxy(for: url)
        #expect(found?.url == proxy)
        #expect(found?.variable == variable)
    }
}
