import COpenSSL
import Foundation
import Testing

@testable import OCSPCore

/// A staple larger than TLS clients accept breaks every handshake that asks for it: it is
/// never put in place for exim, nginx or haproxy (generic: written with a warning), and
/// `inspect` shows the limit.
@Suite struct StapleSizeTests {
    @Test func theLimitIsWhatOpenSSLClientsAcceptOverTLS12() {
        #expect(StapleSizeLimit.bytes == 16_380)
        for target in [Target.exim, .nginx, .haproxy] {
            #expect(StapleSizeLimit.verdict(size: 16_380, target: target) == .fits)
            #expect(StapleSizeLimit.verdict(size: 16_381, target: target) == .refused(StapleTooLarge(size: 16_381, limit: 16_380)))
        }
        #expect(StapleSizeLimit.verdict(size: 16_380, target: .generic) == .fits)
        #expect(StapleSizeLimit.verdict(size: 16_381, target: .generic) == .warning(StapleTooLarge(size: 16_381, limit: 16_380)))
    }

    /// A valid, current proof for the scenario's leaf padded with `copies` of the intermediate.
    static func paddedProof(_ scenario: Scenario, copies: Int) throws -> [UInt8] {
        try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [.init()], embedding: Array(repeating: scenario.pki.intermediate, count: copies))
    }

    @Test(arguments: [Target.exim, .nginx, .haproxy])
    func aProofOverTheLimitIsRefusedAndTheGoodStapleStays(target: Target) throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: target).exitCode == 0)
        let before = scenario.stapleBytes
        let padded = try Self.paddedProof(scenario, copies: 40)
        #expect(padded.count > StapleSizeLimit.bytes)
        let server = try TestHTTPServer { _ in .ok(padded, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()

        let outcome = try scenario.refresh(target: target, force: true, responder: server.url, log: log)

        #expect(outcome.exitCode == 1, "\(log.text)")
        let unchanged = scenario.stapleBytes == before
        #expect(unchanged, "the good staple was replaced")
        #expect(
            log.text.contains("the proof is \(padded.count) bytes, over the 16380 bytes OpenSSL clients accept in a TLS 1.2 handshake"),
            "\(log.text)")
    }

    @Test func aRevokedProofOverTheLimitIsReportedNotWritten() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.refresh(target: .haproxy).exitCode == 0)
        let revoked = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [.init(status: V_OCSP_CERTSTATUS_REVOKED, reason: 1, revocationTime: Date().addingTimeInterval(-60))],
            embedding: Array(repeating: scenario.pki.intermediate, count: 40))
        let server = try TestHTTPServer { _ in .ok(revoked, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()

        let outcome = try scenario.refresh(target: .haproxy, force: true, responder: server.url, log: log)

        #expect(outcome.exitCode == 3, "\(log.text)")
        #expect(scenario.stapleBytes != revoked)
        #expect(log.text.contains("the revoked proof is not written: the proof is \(revoked.count) bytes"), "\(log.text)")
    }

    @Test func aProofUnderTheLimitIsWritten() throws {
        let scenario = try Scenario()
        let padded = try Self.paddedProof(scenario, copies: 5)
        #expect(padded.count < StapleSizeLimit.bytes)
        let server = try TestHTTPServer { _ in .ok(padded, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()

        #expect(try scenario.refresh(target: .exim, responder: server.url, log: log).exitCode == 0, "\(log.text)")
        let written = scenario.stapleBytes == padded
        #expect(written, "the proof was not written")
    }

    @Test func aGenericTargetGetsTheLargeProofWithAWarning() throws {
        let scenario = try Scenario()
        let padded = try Self.paddedProof(scenario, copies: 40)
        let server = try TestHTTPServer { _ in .ok(padded, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()

        #expect(try scenario.refresh(target: .generic, responder: server.url, log: log).exitCode == 0, "\(log.text)")
        let written = scenario.stapleBytes == padded
        #expect(written, "the proof was not written")
        #expect(log.text.contains("warning: \(scenario.output): the proof is \(padded.count) bytes, over the 16380 bytes"), "\(log.text)")
    }

    @Test func aTooLargeStapleOnDiskIsReplacedEvenByAnOlderProof() throws {
        let scenario = try Scenario()
        let newerButHuge = try Self.paddedProof(scenario, copies: 40)
        try StapleWriter.write(newerButHuge, to: scenario.output)
        let older = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [.init(thisUpdate: Date().addingTimeInterval(-600))])
        let server = try TestHTTPServer { _ in .ok(older, contentType: "application/ocsp-response") }
        defer { server.stop() }
        let log = CapturedLog()

        #expect(try scenario.refresh(target: .nginx, force: true, responder: server.url, log: log).exitCode == 0, "\(log.text)")
        let replaced = scenario.stapleBytes == older
        #expect(replaced, "the staple that breaks handshakes stayed")
    }

    @Test func inspectShowsTheSizeAndTheLimit() throws {
        let scenario = try Scenario()
        let chain = try scenario.chainFile()
        let small = "\(scenario.folder)/small.der"
        let large = "\(scenario.folder)/large.der"
        try Data(try Self.paddedProof(scenario, copies: 0)).write(to: URL(fileURLWithPath: small))
        let padded = try Self.paddedProof(scenario, copies: 40)
        try Data(padded).write(to: URL(fileURLWithPath: large))

        let fits = try OCSPDBinary.run(["inspect", small, "--chain", chain])
        #expect(
            fits.stdoutText.contains("bytes (limit 16380 bytes for exim, nginx and haproxy, what OpenSSL clients accept over TLS 1.2)"),
            "\(fits.stdoutText)")
        #expect(fits.stdoutText.contains("For exim:            acceptable"), "\(fits.stdoutText)")

        let tooLarge = try OCSPDBinary.run(["inspect", large, "--chain", chain])
        #expect(tooLarge.stdoutText.contains("Size:                \(padded.count) bytes: TOO LARGE"), "\(tooLarge.stdoutText)")
        for target in ["exim", "nginx", "haproxy"] {
            let name = "For \(target):".padding(toLength: 21, withPad: " ", startingAt: 0)
            #expect(tooLarge.stdoutText.contains("\(name)not acceptable: the proof is \(padded.count) bytes"), "\(tooLarge.stdoutText)")
        }
        #expect(tooLarge.stdoutText.contains("For generic:         acceptable"), "\(tooLarge.stdoutText)")

        let json = try OCSPDBinary.run(["inspect", large, "--json"])
        #expect(
            json.stdoutText.contains("\"size\":\(padded.count)") || json.stdoutText.contains("\"size\": \(padded.count)"),
            "\(json.stdoutText)")
        #expect(json.stdoutText.contains("\"sizeLimit\":16380") || json.stdoutText.contains("\"sizeLimit\": 16380"), "\(json.stdoutText)")
    }
}
