import Foundation
import Testing

@testable import OCSPCore

/// A missing chain is that entry's failure, not everyone's: the other entries proceed, and
/// the missing one counts as a failed refresh in the worst-outcome exit code.
@Suite struct EntryFailureTests {
    let scenario: Scenario
    let config: String
    let missing: String

    init() throws {
        scenario = try Scenario()
        try scenario.startResponder()
        missing = "\(scenario.folder)/deleted.pem"
        config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        defaults: { target: generic }
        staples:
          - { chain: \(missing), output: \(scenario.folder)/deleted.der }
          - { chain: \(try scenario.chainFile()), output: \(scenario.output) }
        """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    @Test func refreshConfigProcessesTheOthersAndStillReportsARevocation() throws {
        let first = try OCSPDBinary.run(["refresh", "--config", config], within: 30)
        #expect(first.status == 2, "the missing chain is a failed refresh with no staple: \(first.stderr)")
        #expect(first.stderr.contains("\(missing): no such file"), "\(first.stderr)")
        #expect(scenario.stapleBytes != nil, "the other entry was refreshed: \(first.stderr)")

        try scenario.revokeLeaf()
        let revoked = try OCSPDBinary.run(["refresh", "--config", config, "--force"], within: 30)
        #expect(revoked.status == 3, "a revocation outranks the missing chain: \(revoked.stderr)")
    }

    @Test func checkConfigStillRefusesIt() throws {
        let checked = try OCSPDBinary.run(["run", "--config", config, "--check-config"], within: 20)
        #expect(checked.status == 78)
        #expect(checked.stderr.contains("staples[0].chain: \(missing): no such file"), "\(checked.stderr)")
    }

    @Test func checkJudgesTheOthers() throws {
        #expect(try OCSPDBinary.run(["refresh", "--config", config], within: 30).status == 2)
        let checked = try OCSPDBinary.run(["check", "--config", config], within: 20)
        let lines = checked.stdoutText.split(separator: "\n")
        #expect(
            lines.contains { $0.hasPrefix("UNKNOWN: \(scenario.folder)/deleted.der: cannot read the certificate chain \(missing)") },
            "\(checked.stdoutText)")
        #expect(lines.contains { $0.contains(": \(scenario.output): ") && $0.hasSuffix("left") }, "\(checked.stdoutText)")
    }

    @Test func theDaemonStartsAndServesTheOthers() throws {
        let daemon = try RunningDaemon(config: config)
        #expect(eventually(15) { scenario.stapleBytes != nil }, "\(daemon.text)")
        #expect(daemon.text.contains("\(missing): no such file"), "\(daemon.text)")
        // The chain comes back: the periodic check or the folder watch picks it up.
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: missing)
        #expect(eventually(15) { FileManager.default.fileExists(atPath: "\(scenario.folder)/deleted.der") }, "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aConfiguredFolderThatIsGoneFailsAloneToo() throws {
        let folderConfig = "\(scenario.folder)/folders.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        defaults: { target: generic }
        staples:
          - { chain: \(try scenario.chainFile()), output: \(scenario.output) }
        directories:
          - path: \(scenario.folder)/gone
        """.write(toFile: folderConfig, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", folderConfig], within: 30)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("\(scenario.folder)/gone"))
        #expect(scenario.stapleBytes != nil)
    }
}
