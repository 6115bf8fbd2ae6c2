import Foundation
import Logging
import Testing

@testable import OCSPCore

/// `on-revoked` runs once per revoked certificate, told the certificate and the revocation:
/// not again at the next refresh, nor in a new process, nor for another output of the same
/// certificate, because the certificate's revocation records are marked before it runs.
@Suite struct OnRevokedHookTests {
    typealias FS = FileSystemFixtures
    let scenario: Scenario
    let log: String

    init() throws {
        scenario = try Scenario()
        try scenario.startResponder()
        try scenario.revokeLeaf(reason: "keyCompromise")
        log = "\(scenario.folder)/on-revoked.log"
    }

    /// Appends the variables it was given to `log`, one run a line.
    var script: String {
        #"printf '%s|%s|%s|%s|%s|%s|%s\n' "$OCSPD_EVENT" "$OCSPD_SERIAL" "$OCSPD_REVOCATION_REASON" "$OCSPD_REVOCATION_TIME" "$OCSPD_OUTPUT" "$OCSPD_CHAIN" "$OCSPD_TARGET" >> "#
            + log
    }

    var runs: [[String]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    func job(output: String? = nil, chain: String) -> RefreshJob {
        var job = RefreshJob(chainPath: chain, outputPath: output ?? scenario.output, policy: TargetPolicy(target: .nginx))
        job.events.onRevoked = Hook(arguments: ["/bin/sh", "-c", script])
        return job
    }

    func refresher() -> Refresher {
        Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func aRevokedCertificateRunsOnRevokedOnceWithTheCertificateAndTheRevocationInItsEnvironment() throws {
        let chain = try scenario.chainFile()
        let outcome = refresher().refresh(job(chain: chain))

        #expect(outcome.exitCode == ExitStatus.revoked)
        let run = try #require(runs.first, "on-revoked did not run")
        #expect(runs.count == 1)
        #expect(run[0] == "revoked")
        #expect(run[1] == scenario.leaf.certificate.serialNumber)
        #expect(run[2] == "keyCompromise")
        #expect(RFC3339.parse(run[3]) != nil, "no revocation time: \(run[3])")
        #expect(run[4] == scenario.output && run[5] == chain && run[6] == "nginx")
        let ledger = RevocationLedger(stateDirectory: scenario.stateDirectory, outputPath: scenario.output)
        #expect(ledger.read(scenario.subject).hookStarted, "the record does not say the hook was started")
    }

    @Test func onRevokedDoesNotRunAgainAtTheNextRefresh() throws {
        var job = job(chain: try scenario.chainFile())
        _ = refresher().refresh(job)
        job.force = true
        let again = refresher().refresh(job)

        #expect(again.exitCode == ExitStatus.revoked)
        #expect(runs.count == 1, "on-revoked ran \(runs.count) times")
    }

    @Test func twoOutputsOfOneCertificateRunOnRevokedOnce() throws {
        let chain = try scenario.chainFile()
        let refresher = refresher()
        _ = refresher.refresh(job(output: "\(scenario.folder)/a.ocsp", chain: chain))
        _ = refresher.refresh(job(output: "\(scenario.folder)/b.ocsp", chain: chain))

        #expect(runs.count == 1, "on-revoked ran \(runs.count) times for one certificate")
    }

    @Test func onRevokedDoesNotRunAgainInANewProcess() throws {
        let configuration = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - chain: \(try scenario.chainFile())
            output: \(scenario.output)
            target: nginx
            on-revoked: [/bin/sh, -c, 'echo "$OCSPD_EVENT $OCSPD_SERIAL" >> \(log)']
        """.write(toFile: configuration, atomically: true, encoding: .utf8)

        let first = try OCSPDBinary.run(["refresh", "--config", configuration])
        let second = try OCSPDBinary.run(["refresh", "--config", configuration, "--force"])

        #expect(first.status == ExitStatus.revoked && second.status == ExitStatus.revoked, "\(first.stderr)\n\(second.stderr)")
        #expect(runs.count == 1, "on-revoked ran \(runs.count) times across two processes\n\(second.stderr)")
    }

    /// The record beside the staple lies in the server's folder, which others may write: once
    /// the certificate is revoked, anyone can fetch its proof and plant a record saying the
    /// hook was started. Only a record ocspd would believe as its own (`StateFileTrust`) says so.
    @Test func aRecordSomeoneElsePlantedBesideTheStapleSayingTheHookRanDoesNotStopIt() throws {
        let chain = try scenario.chainFile()
        var quiet = job(chain: chain)
        quiet.events.onRevoked = nil
        let elsewhere = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: "\(scenario.folder)/other-state"),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(elsewhere.refresh(quiet).exitCode == ExitStatus.revoked)
        let ledger = RevocationLedger(stateDirectory: scenario.stateDirectory, outputPath: scenario.output)
        let beside = try #require(ledger.recordPaths(for: scenario.subject).last)
        let proof = try #require(FileManager.default.contents(atPath: beside))
        let planted = RevocationEvidence.markingHookStarted(Array(proof), at: Date(), while: scenario.output)
        unlink(beside)
        try Data(planted).write(to: URL(fileURLWithPath: beside))
        #expect(chown(beside, 65534, 65534) == 0)
        #expect(!ledger.read(scenario.subject).hookStarted, "a planted mark is believed")

        // The refresh that first sees the revocation with on-revoked configured (forced: the
        // revoked proof in place is current) copies the record into its state folder.
        let captured = CapturedLog()
        let refresher = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory), logger: captured.logger)
        var first = job(chain: chain)
        first.force = true
        #expect(refresher.refresh(first).exitCode == ExitStatus.revoked)
        #expect(runs.count == 1, "on-revoked did not run: \(captured.text)")
        #expect(ledger.read(scenario.subject).hookStarted, "ocspd's own mark is made")
    }

    /// The example hook (examples/ocspd-renew-trigger), started as ocspd starts hooks (its
    /// file checked, the fixed environment), drops the request the systemd path unit watches.
    @Test func theRenewalTriggerExampleDropsARequestNamingTheChain() throws {
        let bin = "\(scenario.folder)/bin"
        let requests = "\(scenario.folder)/renew"
        try FS.folder(bin)
        try FS.folder(requests, mode: 0o750)
        let example = try Array(Data(contentsOf: URL(fileURLWithPath: "\(ShippedFilesTests.repository)/examples/ocspd-renew-trigger")))
        try FS.file("\(bin)/ocspd-renew-trigger", example, mode: 0o755)
        let executable = try HookExecutable.resolve("\(bin)/ocspd-renew-trigger").get()
        let chain = try scenario.chainFile()
        var job = RefreshJob(chainPath: chain, outputPath: scenario.output, policy: TargetPolicy(target: .nginx))
        job.events.onRevoked = Hook(arguments: ["\(bin)/ocspd-renew-trigger", requests], executable: executable)

        _ = refresher().refresh(job)

        let serial = scenario.leaf.certificate.serialNumber
        let request = try String(contentsOfFile: "\(requests)/\(serial).request", encoding: .utf8)
        let lines = request.split(separator: "\n").map(String.init)
        #expect(lines.first == chain)
        #expect(lines.contains("serial=\(serial)") && lines.contains("reason=keyCompromise") && lines.contains("output=\(scenario.output)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: requests) == ["\(serial).request"], "a temporary file was left")
    }

    // In CI (scripts/test.sh installs systemd) it always runs: a missing tool fails there.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
                || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs systemd-analyze (Debian's systemd); scripts/test.sh installs it"))
    func theRenewalUnitsPassSystemdAnalyzeVerify() throws {
        let folder = try TestPKI.scratchFolder("renew-units")
        let units = ["ocspd-renew.path", "ocspd-renew.service"]
        for unit in units {
            try FileManager.default.copyItem(atPath: "\(ShippedFilesTests.repository)/examples/\(unit)", toPath: "\(folder)/\(unit)")
        }
        let result = try Command.run("/usr/bin/systemd-analyze", ["verify", "--man=no"] + units.map { "\(folder)/\($0)" })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
