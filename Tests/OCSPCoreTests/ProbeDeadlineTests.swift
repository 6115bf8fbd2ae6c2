import Foundation
import Testing

@testable import OCSPCore

/// `ocspd probe` gives up at one deadline for the whole dialogue, whatever the server does,
/// names the phase it was in, and reads a bounded amount of plain text.
@Suite struct ProbeDeadlineTests {
    /// Says nothing, holding the connection until the client leaves.
    static let silent: @Sendable (Int32, RawTCPServer) -> Void = { connection, server in
        while !server.isStopped, RawTCPServer.receive(from: connection) != nil {}
    }

    /// A banner one byte every 200 ms: each byte would reset a per-read timeout.
    static let dripping: @Sendable (Int32, RawTCPServer) -> Void = { connection, server in
        while !server.isStopped, RawTCPServer.send(Array("2".utf8), to: connection) { usleep(200_000) }
    }

    /// A greeting, then an EHLO answer that never ends.
    static let endlessEHLO: @Sendable (Int32, RawTCPServer) -> Void = { connection, server in
        guard RawTCPServer.send(Array("220 mail.example.test ESMTP\r\n".utf8), to: connection) else { return }
        while !server.isStopped, let bytes = RawTCPServer.receive(from: connection), bytes.isEmpty {}
        while !server.isStopped, RawTCPServer.send(Array("250-PIPELINING PIPELINING PIPELINING\r\n".utf8), to: connection) {}
    }

    /// A banner line with no end.
    static let endlessLine: @Sendable (Int32, RawTCPServer) -> Void = { connection, server in
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        guard RawTCPServer.send(Array("220 ".utf8), to: connection) else { return }
        while !server.isStopped, RawTCPServer.send(chunk, to: connection) {}
    }

    /// A proper SMTP dialogue up to STARTTLS, then one byte of TLS every 200 ms.
    static let drippingHandshake: @Sendable (Int32, RawTCPServer) -> Void = { connection, server in
        guard RawTCPServer.send(Array("220 mail.example.test ESMTP\r\n".utf8), to: connection) else { return }
        var received = ""
        while !server.isStopped, !received.contains("STARTTLS") {
            guard let bytes = RawTCPServer.receive(from: connection) else { return }
            received += String(decoding: bytes, as: UTF8.self)
            if received.hasSuffix("EHLO ocspd.probe\r\n") {
                _ = RawTCPServer.send(Array("250-mail.example.test\r\n250 STARTTLS\r\n".utf8), to: connection)
            }
        }
        guard RawTCPServer.send(Array("220 go ahead\r\n".utf8), to: connection) else { return }
        // A TLS handshake record header announcing 16 KB, then its body one byte at a time.
        let record: [UInt8] = [0x16, 0x03, 0x03, 0x40, 0x00] + [UInt8](repeating: 0, count: 0x4000)
        for byte in record where !server.isStopped {
            guard RawTCPServer.send([byte], to: connection) else { return }
            usleep(200_000)
        }
    }

    func probe(_ server: RawTCPServer, startTLS: TLSProbe.StartTLS? = .smtp, timeout: TimeInterval) -> ProbeError? {
        switch TLSProbe(host: "127.0.0.1", port: server.port, startTLS: startTLS, timeout: timeout).run() {
        case .success: return nil
        case .failure(let error): return error
        }
    }

    @Test func aSilentServerTimesOutDuringTheBanner() throws {
        let server = try RawTCPServer(Self.silent)
        defer { server.stop() }
        let error = probe(server, timeout: 1)
        #expect(
            error?.description
                == "127.0.0.1:\(server.port): timed out after 1 s during the banner; the server is too slow or not speaking this protocol (--timeout sets the limit)"
        )
    }

    @Test func aSilentTLSServerTimesOutDuringTheHandshakeNotWithoutDetail() throws {
        let server = try RawTCPServer(Self.silent)
        defer { server.stop() }
        let error = probe(server, startTLS: nil, timeout: 1)
        #expect(error == .timedOut("127.0.0.1:\(server.port)", seconds: 1, during: .handshake))
        #expect(error?.description.contains("no detail from OpenSSL") == false)
    }

    @Test func aDrippingBannerCannotExtendTheDeadline() throws {
        let server = try RawTCPServer(Self.dripping)
        defer { server.stop() }
        #expect(probe(server, timeout: 1.5) == .timedOut("127.0.0.1:\(server.port)", seconds: 1.5, during: .banner))
    }

    @Test func anEndlessEHLOIsCutAtTheLineLimit() throws {
        let server = try RawTCPServer(Self.endlessEHLO)
        defer { server.stop() }
        let error = probe(server, timeout: 30)
        #expect(error == .tooMuch("127.0.0.1:\(server.port)", "more than 100 lines", during: .ehlo))
    }

    @Test func anEndlessLineIsCutAtTheLineLength() throws {
        let server = try RawTCPServer(Self.endlessLine)
        defer { server.stop() }
        #expect(probe(server, timeout: 30) == .tooMuch("127.0.0.1:\(server.port)", "a line longer than 512 bytes", during: .banner))
    }

    @Test func aDrippingHandshakeAfterSTARTTLSTimesOutDuringTheHandshake() throws {
        let server = try RawTCPServer(Self.drippingHandshake)
        defer { server.stop() }
        #expect(probe(server, timeout: 1.5) == .timedOut("127.0.0.1:\(server.port)", seconds: 1.5, during: .handshake))
    }

    @Test func theCommandTakesItsDeadlineFromTimeout() throws {
        let server = try RawTCPServer(Self.silent)
        defer { server.stop() }
        let folder = try TestPKI.scratchFolder("probe-timeout")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = "\(folder)/out"
        let child = try ChildProcess(
            [OCSPDBinary.path, "probe", "127.0.0.1:\(server.port)", "--starttls", "smtp", "--timeout", "1s"],
            stdout: out, stderr: out)
        let deadline = Date().addingTimeInterval(20)
        while child.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!child.isRunning, "ocspd probe --timeout 1s was still running after 20 s")
        child.stop()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(child.wait() == 3)
        #expect(text.contains("OCSPD UNKNOWN - 127.0.0.1:\(server.port): timed out after 1 s during the banner"), "\(text)")
    }

    /// A monitoring plugin answers UNKNOWN (3) on its own output even for a wrong argument.
    @Test func aProbeTimeoutThatIsNotADurationIsUnknown() throws {
        let result = try OCSPDBinary.run(["probe", "127.0.0.1:1", "--timeout", "soon"])
        #expect(result.status == 3)
        #expect(result.stdoutText.contains("OCSPD UNKNOWN - --timeout 'soon' is not a duration"), "\(result.stdoutText)")
    }
}
