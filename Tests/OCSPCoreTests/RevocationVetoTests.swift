import Foundation
import Testing

@testable import OCSPCore

/// A verified revocation record vetoes "good" wherever a staple is judged: the lock-free fast
/// path of a fresh staple, a lock held by another process, an unusable state folder, `check`
/// and the metrics. Each case: a second output of the same certificate holds a good, fresh
/// staple when the revocation is learned through the first.
@Suite struct RevocationVetoTests {
    /// The scenario's certificate, a responder, and a second output (its own folder) holding a
    /// good staple fresh enough that nothing would be asked for it.
    private struct TwoOutputs {
        let scenario: Scenario
        let responder: ScriptedResponder
        let second: String

        init(target: String = "exim") throws {
            scenario = try Scenario()
            responder = try ScriptedResponder()
            let folder = "\(scenario.folder)/b"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            second = "\(folder)/www.der"
            responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
            let first = try refresh(second, target: target)
            #expect(first.status == 0, "\(first.stderr)")
        }

        func refresh(_ output: String, target: String = "exim", extra: [String] = []) throws -> CommandResult {
            try OCSPDBinary.run(
                [
                    "refresh", "--target", target, "--chain", scenario.chainFile(), "--output", output,
                    "--responder", responder.url, "--state-dir", scenario.stateDirectory,
                ] + extra)
        }

        /// The revocation, learned (and recorded) through the first output.
        func learnRevocation() throws {
            responder.serve(try RevocationLedgerTests.answer(scenario, revoked: true))
            let revoked = try refresh(scenario.output, extra: ["--force"])
            #expect(revoked.status == 3, "\(revoked.stderr)")
            #expect(RevocationLedgerTests.records(in: scenario.stateDirectory).count == 1)
            responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
        }

        var secondBytes: [UInt8]? { FileSystemFixtures.contents(second) }
    }

    @Test func aFreshStapleOfACertificateWithNoRecordIsStillJudgedFromItsVerification() throws {
        let outputs = try TwoOutputs()
        let requests = outputs.responder.requestCount
        let fresh = try outputs.refresh(outputs.second)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stderr.contains("is fresh, nothing fetched"), "\(fresh.stderr)")
        #expect(outputs.responder.requestCount == requests)
    }

    @Test func aRevocationRecordedThroughAnotherOutputVetoesTheFastPath() throws {
        let outputs = try TwoOutputs()
        try outputs.learnRevocation()
        let requests = outputs.responder.requestCount
        let result = try outputs.refresh(outputs.second)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!result.stderr.contains("is fresh"), "\(result.stderr)")
        #expect(result.stderr.contains("REVOKED"), "\(result.stderr)")
        // Under the lock, as for the first output: Exim's good staple goes, nothing is asked.
        #expect(outputs.secondBytes == nil, "Exim's good staple stayed for a revoked certificate")
        #expect(outputs.responder.requestCount == requests)
    }

    @Test func aRecordOnlyBesideTheStapleVetoesTheFastPathOfAnotherStateFolder() throws {
        let outputs = try TwoOutputs(target: "nginx")
        try outputs.learnRevocation()
        // The second output's own record, written by a run with another state folder.
        let other = "\(outputs.scenario.folder)/other-state"
        outputs.responder.serve(try RevocationLedgerTests.answer(outputs.scenario, revoked: true))
        #expect(
            try OCSPDBinary.run([
                "refresh", "--target", "nginx", "--force", "--chain", outputs.scenario.chainFile(),
                "--output", outputs.second, "--responder", outputs.responder.url, "--state-dir", other,
            ]).status == 3)
        let revoked = outputs.secondBytes
        for name in RevocationLedgerTests.records(in: outputs.scenario.stateDirectory) {
            unlink("\(outputs.scenario.stateDirectory)/\(name)")
        }
        outputs.responder.serve(try RevocationLedgerTests.answer(outputs.scenario, revoked: false))
        let result = try outputs.refresh(outputs.second, target: "nginx")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(outputs.secondBytes == revoked)
    }

    @Test func aLockHeldByAnotherProcessDoesNotMakeARevokedCertificateGood() throws {
        let outputs = try TwoOutputs()
        try outputs.learnRevocation()
        let before = outputs.secondBytes
        let holder = try ForeignLockHolder(lockFor: outputs.second)
        // Forced: straight to the lock, past the fast path's own veto.
        let result = try outputs.refresh(outputs.second, extra: ["--force"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("REVOKED"), "\(result.stderr)")
        #expect(result.stderr.contains(holder.path), "\(result.stderr)")
        #expect(!result.stderr.contains("The staple in place is valid"), "\(result.stderr)")
        // Nothing is removed without the lock.
        #expect(outputs.secondBytes == before)
        withExtendedLifetime(holder) {}
    }

    @Test func anUnusableStateFolderDoesNotMakeARevokedCertificateGood() throws {
        let outputs = try TwoOutputs()
        try outputs.learnRevocation()
        let before = outputs.secondBytes
        // The lock of the earlier runs replaced by a planted link.
        let lock = StateStore(directory: outputs.scenario.stateDirectory).lockPath(for: outputs.second)
        unlink(lock)
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: "/etc/hostname")
        let result = try outputs.refresh(outputs.second, extra: ["--force"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("REVOKED"), "\(result.stderr)")
        #expect(outputs.secondBytes == before)
    }

    @Test func aKnownRevocationWithTheResponderDownExits3NotStaleButValid() throws {
        let outputs = try TwoOutputs(target: "nginx")
        try outputs.learnRevocation()
        outputs.responder.serve(nil)
        let result = try outputs.refresh(outputs.second, target: "nginx")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("REVOKED"), "\(result.stderr)")
    }

    @Test func checkAndTheMetricsSayRevokedWhateverStapleIsInPlace() throws {
        let outputs = try TwoOutputs(target: "generic")
        let config = "\(outputs.scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(outputs.scenario.stateDirectory)
        defaults:
          target: generic
        staples:
          - chain: \(try outputs.scenario.chainFile())
            output: \(outputs.second)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try OCSPDBinary.run(["check", "--config", config]).status == 0)
        try outputs.learnRevocation()

        let check = try OCSPDBinary.run(["check", "--config", config, "--json"])
        #expect(check.status == 2, "\(check.stdoutText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout)) as? [String: Any])
        #expect(json["status"] as? String == "CRITICAL")
        let staple = try #require((json["staples"] as? [[String: Any]])?.first)
        #expect(staple["certStatus"] as? String == "revoked")
        #expect((staple["reason"] as? String)?.contains("REVOKED") == true, "\(staple)")

        let job = RefreshJob(
            chainPath: try outputs.scenario.chainFile(), outputPath: outputs.second, policy: TargetPolicy(target: .generic))
        let health = StapleHealth.assess(
            job, store: StateStore(directory: outputs.scenario.stateDirectory), at: Date(), warning: 0, critical: 0)
        let metrics = MetricsFile.render(rows: [MetricsFile.Row(health)])
        #expect(
            metrics.contains(
                "ocspd_staple_status{output=\"\(outputs.second)\",serial=\"\(outputs.scenario.leaf.serial)\",status=\"revoked\"} 1"),
            "\(metrics)")
        #expect(
            metrics.contains("ocspd_staple_valid{output=\"\(outputs.second)\",serial=\"\(outputs.scenario.leaf.serial)\"} 0"), "\(metrics)")
    }
}
