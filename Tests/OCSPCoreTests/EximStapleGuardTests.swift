import Foundation
import Testing

@testable import OCSPCore

/// `examples/ocspd-exim-staple-guard`, run on an Exim server that receives its staples from
/// another host: it removes a staple that no longer verifies for its chain within its margin
/// (Exim refuses STARTTLS over an expired file), and nothing else. Real proofs from `openssl
/// ocsp`, judged by the built `ocspd inspect`.
@Suite struct EximStapleGuardTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/ocspd-exim-staple-guard").path

    /// The guard as cron runs it: a bare environment whose PATH also holds the built ocspd.
    static func guardStaples(_ arguments: [String]) throws -> CommandResult {
        let ocspdFolder = (OCSPDBinary.path as NSString).deletingLastPathComponent
        return try Command.run(
            "/usr/bin/env", ["-i", "PATH=\(ocspdFolder):\(PublishHookTests.hookPath)", Self.example] + arguments)
    }

    /// A staple fetched by the `openssl ocsp` client from a responder issuing proofs of `minutes`.
    static func staple(_ scenario: Scenario, minutes: Int, name: String) throws -> String {
        let responder = try scenario.startResponder(minutes: minutes, port: FreePort.pick())
        let proof = try scenario.fetchWithOpenSSL(from: responder.url)
        let path = "\(scenario.folder)/\(name).der"
        try Data(proof.derBytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func keepsAStapleValidBeyondItsMargin() throws {
        let scenario = try Scenario()
        let staple = try Self.staple(scenario, minutes: 60, name: "valid")
        let before = FileManager.default.contents(atPath: staple)
        let result = try Self.guardStaples([try scenario.chainFile(), staple])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: staple) == before)
    }

    @Test func removesAStapleThatExpiresWithinItsMargin() throws {
        let scenario = try Scenario()
        // Valid for a minute, less than the default margin of 120 s.
        let staple = try Self.staple(scenario, minutes: 1, name: "expiring")
        let result = try Self.guardStaples([try scenario.chainFile(), staple])
        #expect(result.status == 1)
        #expect(result.stderr.contains("removed \(staple)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: staple))
    }

    @Test func removesAStapleForAnotherCertificateAndAFileThatIsNoProof() throws {
        let scenario = try Scenario()
        let staple = try Self.staple(scenario, minutes: 60, name: "old")
        let renewed = try scenario.renewLeaf()
        let garbage = "\(scenario.folder)/garbage.der"
        try Data("not a proof".utf8).write(to: URL(fileURLWithPath: garbage))
        let chain = try scenario.chainFile()
        let result = try Self.guardStaples([try scenario.pki.chainFile(for: renewed, in: scenario.folder), staple, chain, garbage])
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: staple), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: garbage), "\(result.stderr)")
    }

    @Test func leavesEverythingAloneWhenTheChainCannotBeReadOrTheArgumentsAreWrong() throws {
        let scenario = try Scenario()
        let staple = try Self.staple(scenario, minutes: 1, name: "expiring")
        let missing = try Self.guardStaples(["\(scenario.folder)/no-such-chain.pem", staple])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the chain"), "\(missing.stderr)")
        #expect(try Self.guardStaples([staple]).status == 2)
        #expect(try Self.guardStaples(["--margin", "soon", try scenario.chainFile(), staple]).status == 2)
        #expect(FileManager.default.fileExists(atPath: staple))
    }
}
