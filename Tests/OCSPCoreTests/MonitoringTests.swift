import Foundation
import Testing

@testable import OCSPCore

/// `ocspd check`, the metrics file and Must-Staple handling.
@Suite struct MonitoringTests {
    private func config(_ scenario: Scenario, entries: [(chain: String, output: String)]) throws -> String {
        let path = "\(scenario.folder)/ocspd-\(UUID().uuidString.prefix(4)).yaml"
        var text = "state-dir: \(scenario.stateDirectory)\ndefaults:\n  target: generic\nstaples:\n"
        for entry in entries { text += "  - chain: \(entry.chain)\n    output: \(entry.output)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkIsOKForFreshStaplesWithPerfdataAndJudgesFromDiskOnly() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 120)
        let path = try config(scenario, entries: [(try scenario.chainFile(), scenario.output)])
        #expect(try OCSPDBinary.run(["refresh", "--config", path]).status == 0)
        scenario.stopResponders()
        let result = try OCSPDBinary.run(["check", "--config", path, "--warning", "30m", "--critical", "10m"])
        #expect(result.status == 0, "\(result.stdoutText)")
        let first = try #require(result.stdoutText.split(separator: "\n").first)
        #expect(first.hasPrefix("OCSPD OK - 1 staple(s) fine"))
        #expect(first.contains("| '\(scenario.output)'="))
        #expect(first.hasSuffix(";1800;600;0;"))
        // Thresholds above the time left turn it into a WARNING, then CRITICAL.
        #expect(try OCSPDBinary.run(["check", "--config", path, "--warning", "3h", "--critical", "10m"]).status == 1)
        #expect(try OCSPDBinary.run(["check", "--config", path, "--warning", "4h", "--critical", "3h"]).status == 2)
    }

    @Test func missingStapleIsAWarningButCriticalForMustStaple() throws {
        let scenario = try Scenario()
        let pki = scenario.pki
        let mustStaple = try pki.issueLeaf(ocspURLs: [scenario.url], mustStaple: true)
        let path = try config(
            scenario,
            entries: [
                (try scenario.chainFile(), "\(scenario.folder)/plain.der")
            ])
        let plain = try OCSPDBinary.run(["check", "--config", path])
        #expect(plain.status == 1)
        #expect(plain.stdoutText.contains("WARNING: \(scenario.folder)/plain.der: no staple"))
        let mustPath = try config(
            scenario,
            entries: [
                (try pki.chainFile(for: mustStaple, in: scenario.folder), "\(scenario.folder)/must.der")
            ])
        let must = try OCSPDBinary.run(["check", "--config", mustPath, "--json"])
        #expect(must.status == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(must.stdout)) as? [String: Any])
        #expect(json["status"] as? String == "CRITICAL")
        let staple = try #require((json["staples"] as? [[String: Any]])?.first)
        #expect(staple["mustStaple"] as? Bool == true)
        #expect((staple["reason"] as? String)?.contains("Must-Staple") == true)
    }

    @Test func unreadableConfigurationIsUnknown() throws {
        let result = try OCSPDBinary.run(["check", "--config", "/nonexistent/ocspd.yaml"])
        #expect(result.status == 3)
        #expect(result.stdoutText.hasPrefix("OCSPD UNKNOWN - "))
    }

    @Test func metricsFileFollowsPrometheusConventions() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let path = try config(scenario, entries: [(try scenario.chainFile(), scenario.output)])
        let metrics = "\(scenario.folder)/ocspd.prom"
        #expect(try OCSPDBinary.run(["refresh", "--config", path, "--metrics-file", metrics]).status == 0)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        let labels = "output=\"\(scenario.output)\",serial=\"\(scenario.leaf.serial)\""
        #expect(text.contains("# TYPE ocspd_staple_effective_expiry_timestamp_seconds gauge"))
        #expect(text.contains("ocspd_staple_effective_expiry_timestamp_seconds{\(labels)} "))
        #expect(text.contains("ocspd_staple_status{\(labels),status=\"good\"} 1"))
        #expect(text.contains("ocspd_staple_status{\(labels),status=\"revoked\"} 0"))
        #expect(text.contains("ocspd_staple_consecutive_failures{\(labels)} 0"))
        #expect(text.contains("ocspd_staple_must_staple{\(labels)} 0"))
        #expect(text.contains("ocspd_requests_total{responder=\"\(scenario.url)\"} 1"))
        #expect(text.contains("# TYPE ocspd_failures_total counter"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.hasPrefix("ocspd_"))
            #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
        }
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func requestCountersNeverGoDownWhenAStapleLeavesTheConfiguration() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let second = "\(scenario.folder)/second.ocsp"
        let chain = try scenario.chainFile()
        // Another certificate: two outputs of one certificate would share one request.
        let otherChain = try scenario.pki.chainFile(for: try scenario.renewLeaf(), in: scenario.folder)
        let both = try config(scenario, entries: [(chain, scenario.output), (otherChain, second)])
        let metrics = "\(scenario.folder)/ocspd.prom"
        #expect(try OCSPDBinary.run(["refresh", "--config", both, "--metrics-file", metrics]).status == 0)
        let requests = "ocspd_requests_total{responder=\"\(scenario.url)\"}"
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("\(requests) 2"))
        // One staple dropped: the counter keeps the requests made for it.
        let one = try config(scenario, entries: [(chain, scenario.output)])
        #expect(try OCSPDBinary.run(["refresh", "--config", one, "--metrics-file", metrics]).status == 0)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("\(requests) 2"))
        // A forced refresh counts on from there.
        #expect(try OCSPDBinary.run(["refresh", "--config", one, "--force", "--metrics-file", metrics]).status == 0)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("\(requests) 3"))
        // The dropped staple's state file corrupt: its counts vanish from the folder, not from the counter.
        let store = StateStore(directory: scenario.stateDirectory)
        try "{ not json".write(toFile: store.statePath(for: second), atomically: true, encoding: .utf8)
        #expect(try OCSPDBinary.run(["refresh", "--config", one, "--metrics-file", metrics]).status == 0)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("\(requests) 3"), "\(text)")
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func aNextRefreshLeftByAClockAheadIsNeitherCheckedNorPublishedAsThePlan() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 120)
        let path = try config(scenario, entries: [(try scenario.chainFile(), scenario.output)])
        #expect(try OCSPDBinary.run(["refresh", "--config", path]).status == 0)
        let store = StateStore(directory: scenario.stateDirectory)
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .generic))
        func health() -> StapleHealth { StapleHealth.assess(job, store: store, at: Date(), warning: 0, critical: 0) }
        // The plan this clock made is shown as it is.
        #expect(health().state.nextAttempt != nil)
        #expect(MetricsFile.render(rows: [MetricsFile.Row(health())]).contains("ocspd_staple_next_refresh_timestamp_seconds{"))
        // A run under a clock 30 days ahead left its plan: the next refresh discards it, so neither shows it.
        var state = store.load(for: scenario.output)
        state.nextAttempt = Date().addingTimeInterval(30 * 86400)
        try store.save(state, for: scenario.output)
        #expect(health().state.nextAttempt == nil)
        #expect(!MetricsFile.render(rows: [MetricsFile.Row(health())]).contains("ocspd_staple_next_refresh_timestamp_seconds{"))
        let check = try OCSPDBinary.run(["check", "--config", path, "--json", "--warning", "30m", "--critical", "10m"])
        #expect(check.status == 0, "\(check.stdoutText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout)) as? [String: Any])
        let staple = try #require((json["staples"] as? [[String: Any]])?.first)
        #expect(staple["nextRefresh"] is NSNull, "\(check.stdoutText)")
    }

    @Test func twoWritersOfOneStateFolderNeverPublishCountersOutOfOrder() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = try scenario.chainFile()
        let path = try config(scenario, entries: [(chain, scenario.output)])
        let metrics = "\(scenario.folder)/ocspd.prom"
        let results = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            results.append((try? OCSPDBinary.run(["refresh", "--config", path, "--force", "--metrics-file", metrics]))?.status)
        }
        #expect(results.all.allSatisfy { $0 == 0 || $0 == 1 })
        // Whichever run wrote last, it wrote the highest count: every request made.
        let sent = StateStore(directory: scenario.stateDirectory).load(for: scenario.output).requests[scenario.url] ?? 0
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("ocspd_requests_total{responder=\"\(scenario.url)\"} \(sent)"), "\(sent)\n\(text)")
    }

    @Test func failuresAreCountedByResponderAndReason() throws {
        let scenario = try Scenario()
        let path = try config(scenario, entries: [(try scenario.chainFile(), scenario.output)])
        let metrics = "\(scenario.folder)/ocspd.prom"
        #expect(try OCSPDBinary.run(["refresh", "--config", path, "--metrics-file", metrics]).status == 2)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("ocspd_failures_total{responder=\"\(scenario.url)\",reason=\"connect\"} 1"), "\(text)")
        #expect(text.contains("ocspd_staple_consecutive_failures{output=\"\(scenario.output)\",serial=\"\(scenario.leaf.serial)\"} 1"))
    }

    @Test func mustStapleIsShownAndScheduledEarlier() throws {
        let scenario = try Scenario()
        let mustStaple = try scenario.pki.issueLeaf(ocspURLs: [scenario.url], mustStaple: true)
        try scenario.startResponder()
        let chain = try scenario.pki.chainFile(for: mustStaple, in: scenario.folder)
        #expect(try scenario.runRefresh(chain: chain).status == 0)
        let inspect = try OCSPDBinary.run(["inspect", scenario.output, "--chain", chain])
        #expect(inspect.stdoutText.contains("Must-Staple:         yes"))
        var timing = Timing()
        timing.jitter = 0
        #expect(timing.forMustStaple.refreshAt < timing.refreshAt)
        #expect(timing.forMustStaple.deadlineFraction > timing.deadlineFraction)
    }
}

/// Results of concurrent runs.
private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int32?] = []
    func append(_ value: Int32?) { lock.withLock { values.append(value) } }
    var all: [Int32?] { lock.withLock { values } }
}

/// `check --json` answers in JSON whatever happens.
@Suite struct CheckJSONTests {
    private func object(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any], "\(result.stdoutText)")
    }

    @Test func anUnreadableConfigurationIsUnknownInJSON() throws {
        let result = try OCSPDBinary.run(["check", "--config", "/nonexistent/ocspd.yaml", "--json"])
        #expect(result.status == 3)
        let json = try object(result)
        #expect(json["status"] as? String == "UNKNOWN")
        #expect(json["exitCode"] as? Int == 3)
        #expect((json["problem"] as? String)?.contains("/nonexistent/ocspd.yaml") == true)
        #expect((json["staples"] as? [Any])?.isEmpty == true)
    }

    @Test func anInvalidConfigurationIsUnknownInJSONAndOnOneTextLine() throws {
        let folder = try TestPKI.scratchFolder("checkjson")
        let config = "\(folder)/ocspd.yaml"
        try "staples:\n  - chain: \(folder)/nowhere.pem\n    target: nonsense\n".write(toFile: config, atomically: true, encoding: .utf8)
        let json = try OCSPDBinary.run(["check", "--config", config, "--json"])
        #expect(json.status == 3)
        #expect(try object(json)["status"] as? String == "UNKNOWN")
        let text = try OCSPDBinary.run(["check", "--config", config])
        #expect(text.status == 3)
        #expect(text.stdoutText.hasPrefix("OCSPD UNKNOWN - the configuration has "))
        #expect(text.stdoutText.split(separator: "\n").count == 1, "\(text.stdoutText)")
    }

    @Test func aNewlineInAnOutputNameCannotForgeACheckLine() throws {
        let scenario = try Scenario()
        let config = "\(scenario.folder)/ocspd.yaml"
        let forged = "OCSPD OK - all fine"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - chain: \(try scenario.chainFile())
            output: "\(scenario.folder)/x\\n\(forged)"
            target: generic
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["check", "--config", config])
        #expect(result.status == 1, "\(result.stdoutText)\(result.stderr)")
        let lines = result.stdoutText.split(separator: "\n")
        #expect(lines.count == 2, "\(result.stdoutText)")
        #expect(lines.allSatisfy { !$0.hasPrefix(forged) })
        #expect(result.stdoutText.contains("x\\n\(forged)"))
    }

    @Test func probeAnswersUnknownInJSONForAnEndpointItCannotParse() throws {
        let result = try OCSPDBinary.run(["probe", "host:notaport", "--json"])
        #expect(result.status == 3)
        #expect(try object(result)["status"] as? String == "UNKNOWN")
    }

    @Test(arguments: [["--warning", "soon"], ["--no-such-option"], []])
    func aWrongArgumentIsUnknownInJSONNotAUsageError(extra: [String]) throws {
        let arguments = extra.isEmpty ? ["check", "--json"] : ["check", "--config", "/etc/ocspd/ocspd.yaml", "--json"] + extra
        let result = try OCSPDBinary.run(arguments)
        #expect(result.status == 3)
        #expect(try object(result)["status"] as? String == "UNKNOWN")
    }
}
