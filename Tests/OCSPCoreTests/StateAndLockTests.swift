import Foundation
import Testing

@testable import OCSPCore

/// Cron-friendliness: no request while fresh, state across runs, one writer per staple.
@Suite struct StateAndLockTests {
    @Test func freshStapleMakesNoRequest() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        #expect(proxy.requests.count == 1)
        let second = try scenario.runRefresh(["--responder", proxy.url])
        #expect(second.status == 0)
        #expect(second.stderr.contains("fresh"))
        #expect(proxy.requests.count == 1)
        #expect(try scenario.runRefresh(["--responder", proxy.url, "--force"]).status == 0)
        #expect(proxy.requests.count == 2)
    }

    @Test func downloadedIssuerIsCachedSoAFreshRunNeedsNoNetwork() throws {
        let pki = try TestPKI.get()
        let der = try Command.openssl(["x509", "-in", pki.intermediate.certificatePath, "-outform", "DER"]).stdout
        let caIssuers = try TestHTTPServer { _ in .ok(der, contentType: "application/pkix-cert") }
        defer { caIssuers.stop() }
        let port = FreePort.pick()
        let scenario = try Scenario(leafOCSPURLs: ["http://127.0.0.1:\(port)"], caIssuersURLs: [caIssuers.url + "/ca.der"])
        try scenario.startResponder(port: port)
        let chain = try scenario.chainFile(including: [])
        #expect(try scenario.runRefresh(chain: chain).status == 0)
        scenario.stopResponders()
        caIssuers.stop()
        // Both servers are gone; the staple is fresh and the issuer cached.
        let second = try scenario.runRefresh(chain: chain)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(caIssuers.requests.count == 1)
    }

    @Test func corruptStateFileMeansStartFresh() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let store = StateStore(directory: scenario.stateDirectory)
        try "{ not json".write(toFile: store.statePath(for: scenario.output), atomically: true, encoding: .utf8)
        #expect(try scenario.runRefresh(["--force"]).status == 0)
        #expect(store.load(for: scenario.output).lastSuccess != nil)
    }

    @Test func stateRecordsFailuresAndBackoffAndSurvivesARestart() throws {
        let scenario = try Scenario()
        #expect(try scenario.runRefresh().status == 2)
        #expect(try scenario.runRefresh().status == 2)
        let state = StateStore(directory: scenario.stateDirectory).load(for: scenario.output)
        #expect(state.consecutiveFailures == 2)
        #expect(state.lastSuccess == nil)
        #expect((state.nextAttempt ?? .distantPast) > Date())
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        #expect(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).consecutiveFailures == 0)
    }

    @Test func revocationSeenSurvivesARestart() throws {
        let scenario = try Scenario()
        try scenario.pki.revoke(scenario.leaf)
        try scenario.startResponder()
        #expect(try scenario.runRefresh(["--target", "exim"]).status == 3)
        #expect(scenario.stapleBytes == nil)
        try scenario.unrevokeInIndex()
        let again = try scenario.runRefresh(["--target", "exim"])
        #expect(again.status == 3)
        #expect(again.stderr.contains("revocation is final"))
        #expect(scenario.stapleBytes == nil)
    }

    @Test func secondRunWhileTheLockIsHeldSkipsAndExits0() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let before = scenario.stapleBytes
        let store = StateStore(directory: scenario.stateDirectory)
        try store.prepare(forOutput: scenario.output)
        let held = try #require(try store.lock(for: scenario.output))
        // 0 because a valid staple is in place; with none, the same skip exits 2 (LockHeldTests).
        let result = try scenario.runRefresh(["--force"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("another ocspd is refreshing"))
        #expect(scenario.stapleBytes == before)
        withExtendedLifetime(held) {}
    }

    @Test func twoConcurrentRunsLeaveOneValidStaple() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = try scenario.chainFile()
        let results = try [0, 1].map { index -> ChildProcess in
            let log = "\(scenario.folder)/run-\(index).log"
            return try ChildProcess(
                [
                    OCSPDBinary.path, "refresh", "--chain", chain, "--output", scenario.output,
                    "--state-dir", scenario.stateDirectory, "--force",
                ], stdout: log, stderr: log)
        }.map { $0.wait() }
        #expect(results == [0, 0])
        let bytes = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get().status == .good)
        #expect(scenario.temporaryFiles.isEmpty)
    }

    @Test func staleTempFilesOfAKilledRunAreCleaned() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let stale = StapleWriter.lockedTemporaryPath(for: scenario.output)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: stale))
        #expect(try scenario.runRefresh().status == 0)
        #expect(scenario.temporaryFiles.isEmpty)
    }

    @Test func stateFolderMayNotBeTheStaplesFolder() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try OCSPDBinary.run([
            "refresh", "--chain", scenario.chainFile(), "--output", scenario.output, "--state-dir", scenario.folder,
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("state folder"))
    }

    @Test func inspectSaysWhichTargetsAcceptTheFileAndWhy() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let path = try scenario.fetchProofWithOurAnswerSecond(from: responder.url)
        let result = try OCSPDBinary.run(["inspect", path, "--chain", scenario.chainFile(), "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        let targets = try #require(json["targets"] as? [String: [String: Any]])
        #expect(targets["nginx"]?["acceptable"] as? Bool == true)
        #expect(targets["generic"]?["acceptable"] as? Bool == true)
        #expect(targets["exim"]?["acceptable"] as? Bool == false)
        #expect((targets["exim"]?["reason"] as? String)?.contains("SingleResponse #2") == true)
        #expect((targets["haproxy"]?["reason"] as? String)?.contains("exactly one") == true)
        let text = try OCSPDBinary.run(["inspect", path, "--chain", scenario.chainFile()]).stdoutText
        #expect(text.contains("For nginx:           acceptable"))
    }
}

@Suite struct SchedulePolicyTests {
    @Test func dueAtHalfTheEffectiveValidityAndNeverInsideEximsMargin() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 60)
        let staple = try StapleVerifier.verify(scenario.fetchWithOpenSSL(), for: scenario.subject, at: Date()).get()
        let half = staple.thisUpdate.addingTimeInterval(staple.effectiveExpiry.timeIntervalSince(staple.thisUpdate) / 2)
        #expect(RefreshSchedule.due(staple, policy: TargetPolicy(target: .nginx)) == half)
        // A 40-minute margin on a 60-minute proof: due at the margin, before halfway.
        let wide = TargetPolicy(target: .exim, expiryMargin: 40 * 60)
        #expect(RefreshSchedule.due(staple, policy: wide) == staple.effectiveExpiry.addingTimeInterval(-40 * 60))
    }

    @Test func backoffGrowsWithFullJitterBetweenTheFloorAndTheCap() {
        var random = SystemRandomNumberGenerator()
        let backoff = Backoff()
        for failures in 1...12 {
            let delay = backoff.delay(afterFailures: failures, random: &random)
            #expect(delay >= 60 && delay <= min(3600, 60 + 60 * pow(2, Double(failures - 1))))
        }
        #expect(backoff.delay(afterFailures: 0, random: &random) == 0)
    }

    @Test func durationTextAcceptsWhatOperatorsWrite() {
        #expect(DurationText.parse("300") == 300)
        #expect(DurationText.parse("5m") == 300)
        #expect(DurationText.parse("1h") == 3600)
        #expect(DurationText.parse("2d") == 172800)
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-5m") == nil)
    }
}
