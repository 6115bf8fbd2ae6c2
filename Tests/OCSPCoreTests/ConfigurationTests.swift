import Foundation
import Testing

@testable import OCSPCore

/// The configuration file: everything wrong is reported at once, with file, key path and line.
@Suite struct ConfigurationTests {
    let folder: String
    let chain: String

    init() throws {
        folder = try TestPKI.scratchFolder("config")
        let pki = try TestPKI.get()
        chain = try pki.chainFile(for: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"]), in: folder)
    }

    private func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.parse(text, path: "\(folder)/ocspd.yaml")
    }

    @Test func completeConfigurationLoads() throws {
        let configuration = try parse(
            """
            state-dir: /var/lib/ocspd
            watch-interval: 10s
            defaults:
              target: nginx
              expiry-margin: 20m
              refresh-at: 40%
              jitter: 0.05
              backoff-max: 30m
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                target: exim
                nonce: true
                hook: [/bin/true, reload]
                hook-timeout: 5s
              - chain: \(chain)
                output: \(folder)/b.der
            """)
        #expect(configuration.watchInterval == 10)
        #expect(configuration.staples.count == 2)
        let first = configuration.staples[0]
        let second = configuration.staples[1]
        #expect(first.policy == TargetPolicy(target: .exim, expiryMargin: 1200))
        #expect(first.nonce)
        #expect(first.hook == Hook(arguments: ["/bin/true", "reload"], timeout: 5, executable: "/bin/true"))
        #expect(second.policy.target == .nginx)
        #expect(second.timing.refreshAt == 0.4)
        #expect(second.timing.jitter == 0.05)
        #expect(second.timing.backoffMaximum == 1800)
        #expect(second.timing.minimumInterval == 300)
    }

    @Test func everyProblemIsReportedWithItsKeyPathAndLine() {
        do {
            _ = try parse(
                """
                state-dir: /var/lib/ocspd
                colour: blue
                staples:
                  - chain: /nonexistent/chain.pem
                    output: \(folder)/a.der
                    target: postfix
                    expiry-margin: soon
                  - output: \(folder)/b.der
                    hook: "systemctl reload nginx"
                """)
            Issue.record("the configuration was accepted")
        } catch {
            let problems = error.problems.map { "\($0.keyPath)@\($0.line ?? 0)" }
            #expect(problems.contains("colour@2"))
            #expect(problems.contains("staples[0].chain@4"))
            #expect(problems.contains("staples[0].target@6"))
            #expect(problems.contains("staples[0].expiry-margin@7"))
            #expect(problems.contains("staples[1]@0"))
            #expect(problems.contains("staples[1].hook@9"))
            #expect(error.description.contains("\(folder)/ocspd.yaml:4: staples[0].chain: /nonexistent/chain.pem: no such file"))
            #expect(error.description.contains("missing required key 'chain'"))
        }
    }

    @Test func yamlSyntaxErrorsGiveTheLine() {
        #expect(throws: ConfigurationError.self) { try parse("staples:\n  - chain: [unclosed\n") }
        do {
            _ = try parse("staples:\n  - chain: a\n   output: b\n")
        } catch {
            #expect(error.problems.first?.line != nil)
        }
    }

    @Test func wrongTypesAreNamed() {
        do {
            _ = try parse("staples: {chain: x}\n")
        } catch {
            #expect(error.problems.first?.keyPath == "staples")
            #expect(error.problems.first?.message.contains("expected a list") == true)
        }
    }

    @Test func directoryEntryMaintainsEveryChainWithHAProxysNaming() throws {
        let crt = "\(folder)/crt"
        try FileManager.default.createDirectory(atPath: crt, withIntermediateDirectories: true)
        for name in ["site.pem", "other.pem", ".hidden.pem", "site.pem.ocsp", "notes.txt"] {
            try Data().write(to: URL(fileURLWithPath: "\(crt)/\(name)"))
        }
        let configuration = try parse("directories:\n  - path: \(crt)\n")
        let jobs = configuration.jobs()
        #expect(jobs.map(\.outputPath) == ["\(crt)/other.pem.ocsp", "\(crt)/site.pem.ocsp"])
        #expect(jobs.allSatisfy { $0.policy.target == .haproxy })
    }

    @Test func checkConfigExits78OnProblemsAnd0WhenValid() throws {
        let bad = "\(folder)/bad.yaml"
        try "staples:\n  - chain: /nonexistent\n    output: /tmp/x.der\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try OCSPDBinary.run(["run", "--config", bad, "--check-config"])
        #expect(failed.status == 78)
        #expect(failed.stderr.contains("\(bad):2: staples[0].chain"))
        // Outside --check-config, a missing chain is its entry's failure (exit 2), not the configuration's.
        let refreshed = try OCSPDBinary.run(["refresh", "--config", bad, "--state-dir", "\(folder)/state"])
        #expect(refreshed.status == 2, "\(refreshed.stderr)")
        #expect(refreshed.stderr.contains("/nonexistent"))

        let good = "\(folder)/good.yaml"
        try "state-dir: \(folder)/state\nstaples:\n  - chain: \(chain)\n    output: \(folder)/a.der\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        let checked = try OCSPDBinary.run(["run", "--config", good, "--check-config"])
        #expect(checked.status == 0)
        #expect(checked.stdoutText.contains("\(folder)/a.der"))
    }
}

/// `forget-after`: a duration, at least a day, a week by default.
@Suite struct ForgetAfterConfigurationTests {
    private func parse(_ extra: String) throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.parse(
            "\(extra)\nstaples:\n  - { chain: /nonexistent/a.pem, output: /nonexistent/a.ocsp }\n", path: "/etc/ocspd.yaml")
    }

    @Test func forgetAfterDefaultsToAWeek() throws {
        #expect(try parse("").forgetAfter == 7 * 86_400)
    }

    @Test func forgetAfterTakesADuration() throws {
        #expect(try parse("forget-after: 30d").forgetAfter == 30 * 86_400)
    }

    @Test(arguments: ["forget-after: 1h", "forget-after: soon"]) func aForgetAfterUnderADayOrNotADurationIsAProblemWithItsLine(
        _ line: String
    ) {
        do {
            _ = try parse(line)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.problems.contains { $0.keyPath == "forget-after" && $0.line == 1 }, "\(error)")
        }
    }
}
