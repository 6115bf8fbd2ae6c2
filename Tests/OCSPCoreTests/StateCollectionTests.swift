import Foundation
import Testing

@testable import OCSPCore

/// The collection of state left by outputs no longer configured (`forget-after`), on the state
/// and lock files a real `ocspd refresh` made against a real `openssl ocsp` responder.
@Suite struct StateCollectionTests {
    static let week = StateCollection.defaultForgetAfter

    /// A refreshed staple, whose state file and lock exist; the state file aged by `age`.
    private func refreshedScenario(stateAge age: TimeInterval) throws -> (Scenario, StateStore) {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--target", "exim"])
        #expect(result.status == 0, "\(result.stderr)")
        let store = StateStore(directory: scenario.stateDirectory)
        try Self.age(store, output: scenario.output, by: age)
        return (scenario, store)
    }

    /// The state of `output` as if last written `age` ago, its next attempt planned for then
    /// (unless `plannedAttempt` says otherwise): a host that stopped refreshing it then.
    static func age(_ store: StateStore, output: String, by age: TimeInterval, plannedAttempt: Date? = nil) throws {
        var state = store.load(for: output)
        state.nextAttempt = plannedAttempt ?? Date().addingTimeInterval(-age)
        try store.save(state, for: output)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: store.statePath(for: output))
    }

    private func backdate(_ path: String, by seconds: TimeInterval) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-seconds)], ofItemAtPath: path)
    }

    private func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    @Test func theStateAndLockOfAnOutputNoLongerConfiguredGoOnceUntouchedForForgetAfter() throws {
        let (scenario, store) = try refreshedScenario(stateAge: Self.week + 60)
        let lock = store.lockPath(for: scenario.output)
        #expect(exists(lock))
        let log = CapturedLog()
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: log.logger).collect(configuredJobs: [], at: Date())
        #expect(summary.forgotten == [StateStore.absolute(scenario.output)])
        #expect(!exists(store.statePath(for: scenario.output)))
        #expect(!exists(lock))
        #expect(scenario.stapleBytes != nil, "the staple is left in place")
        #expect(log.text.contains("forgot \(scenario.output): not configured"), "\(log.text)")
    }

    @Test func theStateOfAnOutputNoLongerConfiguredWrittenWithinForgetAfterIsKept() throws {
        let (scenario, store) = try refreshedScenario(stateAge: Self.week - 3600)
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: CapturedLog().logger).collect(
            configuredJobs: [], at: Date())
        #expect(summary.forgotten.isEmpty)
        #expect(summary.recent == 1)
        #expect(exists(store.statePath(for: scenario.output)))
        #expect(exists(store.lockPath(for: scenario.output)))
    }

    /// Another host sharing the state folder refreshes a proof valid 14 days after 7 ± 1.4 days,
    /// and writes the state only then: untouched for 8 days, its planned attempt still ahead.
    @Test func theStateOfAnOutputAnotherHostPlansToRefreshIsKeptUntilForgetAfterPastThatPlan() throws {
        let (scenario, store) = try refreshedScenario(stateAge: 0)
        try Self.age(store, output: scenario.output, by: 8 * 86_400, plannedAttempt: Date().addingTimeInterval(86_400))
        let log = CapturedLog()
        let collector = StateCollector(store: store, forgetAfter: Self.week, logger: log.logger)
        #expect(collector.collect(configuredJobs: [], at: Date()).forgotten.isEmpty, "\(log.text)")
        #expect(FileManager.default.fileExists(atPath: store.statePath(for: scenario.output)))
        let summary = collector.collect(configuredJobs: [], at: Date().addingTimeInterval(86_400 + Self.week + 60))
        #expect(summary.forgotten == [StateStore.absolute(scenario.output)], "\(log.text)")
    }

    @Test func theStateOfAConfiguredOutputIsKeptHoweverOld() throws {
        let (scenario, store) = try refreshedScenario(stateAge: 365 * 86_400)
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output)
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: CapturedLog().logger).collect(
            configuredJobs: [job], at: Date())
        #expect(summary.forgotten.isEmpty)
        #expect(exists(store.statePath(for: scenario.output)))
    }

    @Test func revocationRecordsAreNeverCollected() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        try scenario.revokeLeaf()
        let result = try scenario.runRefresh(["--target", "haproxy"])
        #expect(result.status == 3, "\(result.stderr)")
        let store = StateStore(directory: scenario.stateDirectory)
        let records = try FileManager.default.contentsOfDirectory(atPath: scenario.stateDirectory).filter { $0.hasPrefix("revoked-") }
        #expect(records.count == 1)
        try Self.age(store, output: scenario.output, by: 365 * 86_400)
        for name in try FileManager.default.contentsOfDirectory(atPath: scenario.stateDirectory) {
            try backdate("\(scenario.stateDirectory)/\(name)", by: 365 * 86_400)
        }
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: CapturedLog().logger).collect(
            configuredJobs: [], at: Date())
        #expect(summary.forgotten.count == 1)
        #expect(records.allSatisfy { exists("\(scenario.stateDirectory)/\($0)") })
        let besideStaple = try FileManager.default.contentsOfDirectory(atPath: scenario.folder).filter { $0.hasPrefix(".ocspd-revoked-") }
        #expect(besideStaple.count == 1)
    }

    @Test func theStateOfAnOutputWhoseFolderIsGoneIsForgottenWithoutALock() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let sub = "\(scenario.folder)/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let output = "\(sub)/site.ocsp"
        #expect(try scenario.runRefresh(["--target", "exim"], output: output).status == 0)
        let store = StateStore(directory: scenario.stateDirectory)
        try Self.age(store, output: output, by: Self.week + 60)
        try FileManager.default.removeItem(atPath: sub)
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: CapturedLog().logger).collect(
            configuredJobs: [], at: Date())
        #expect(summary.forgotten == [output])
        #expect(!exists(store.statePath(for: output)))
        #expect(!exists(sub), "no folder is made again for a lock")
    }

    @Test func aLockHeldByAnotherProcessIsNotUnlinkedNorItsStateForgotten() throws {
        let (scenario, store) = try refreshedScenario(stateAge: Self.week + 60)
        let holder = try ForeignLockHolder(lockFor: scenario.output)
        let log = CapturedLog()
        let summary = StateCollector(store: store, forgetAfter: Self.week, logger: log.logger).collect(configuredJobs: [], at: Date())
        #expect(summary.forgotten.isEmpty)
        #expect(summary.left == 1)
        #expect(exists(holder.path))
        #expect(exists(store.statePath(for: scenario.output)))
        #expect(log.text.contains("another ocspd holds its lock"), "\(log.text)")
        withExtendedLifetime(holder) {}
    }

    @Test func aStateFileWrittenAgainSinceItWasListedIsKept() throws {
        let (scenario, store) = try refreshedScenario(stateAge: Self.week + 60)
        guard let listing = store.stateFiles(), let file = listing.files.first else {
            Issue.record("no state file listed")
            return
        }
        try backdate(store.statePath(for: scenario.output), by: 10)
        #expect(store.removeStateFile(named: file.name, in: listing.folder, lookedAt: file.status) == "it was written again meanwhile")
        #expect(exists(store.statePath(for: scenario.output)))
    }

    @Test func refreshWithConfigForgetsStateTheConfigurationNoLongerNames() throws {
        let (scenario, store) = try refreshedScenario(stateAge: 8 * 86_400)
        let other = "\(scenario.folder)/other.ocsp"
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        forget-after: 7d
        staples:
          - { chain: \(try scenario.chainFile()), output: \(other), target: exim }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!exists(store.statePath(for: scenario.output)))
        #expect(exists(store.statePath(for: other)))
        #expect(result.stderr.contains("forgot \(scenario.output)"), "\(result.stderr)")
    }

    @Test func checkNamesAStapleWhoseEntryLeftTheConfigurationWithoutChangingTheExitCode() throws {
        let (scenario, _) = try refreshedScenario(stateAge: 0)
        let other = "\(scenario.folder)/other.ocsp"
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - { chain: \(try scenario.chainFile()), output: \(other), target: exim }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        let check = try OCSPDBinary.run(["check", "--config", config, "--warning", "10m", "--critical", "5m"])
        #expect(check.status == 0, "\(check.stdoutText)")
        #expect(
            check.stdoutText.contains("OK: state for \(scenario.output), which is no longer configured; its staple is left in place"),
            "\(check.stdoutText)")
        let json = try OCSPDBinary.run(["check", "--config", config, "--json"])
        #expect(json.stdoutText.contains("\"notConfigured\""), "\(json.stdoutText)")
    }
}
