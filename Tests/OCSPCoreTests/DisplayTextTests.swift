import Foundation
import Testing

@testable import OCSPCore

/// What ocspd prints of text from outside: one line, controls visible, URL passwords redacted.
@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("plain text/with é and ✓", "plain text/with é and ✓"),
        ("a\nocspd: info: wrote /etc/shadow", "a\\nocspd: info: wrote /etc/shadow"),
        ("cr\rlf\n", "cr\\rlf\\n"),
        ("tab\tbell\u{07}esc\u{1B}[31m", "tab\\tbell\\u{7}esc\\u{1B}[31m"),
        ("del\u{7F}c1\u{85}\u{9B}", "del\\u{7F}c1\\u{85}\\u{9B}"),
        ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
        ("bidi\u{202E}txt.exe", "bidi\\u{202E}txt.exe"),
        ("back\\slash stays", "back\\slash stays"),
    ])
    func controlCharactersAreEscapedVisibly(input: String, expected: String) {
        #expect(DisplayText.escapingControls(input) == expected)
        #expect(!DisplayText.line(input).contains("\n"))
    }

    /// Printable ASCII is passed through without looking at scalars: every ASCII character is
    /// left as it is exactly when the rule on scalars needs no escape for it.
    @Test func everyASCIICharacterIsEscapedExactlyWhenItIsAControl() {
        for value in UInt8(0)..<0x80 {
            let scalar = Unicode.Scalar(value)
            let text = "x\(Character(scalar))y"
            #expect((DisplayText.escapingControls(text) == text) == !DisplayText.needsEscape(scalar), "\(value)")
        }
    }

    @Test(arguments: [
        ("http://user:s3cret@ocsp.example/x", "http://user:***@ocsp.example/x"),
        (
            "cannot connect to HTTPS://a:b@h:8080 (refused); see http://c:d@e/",
            "cannot connect to HTTPS://a:***@h:8080 (refused); see http://c:***@e/"
        ),
        ("http://user:p@ss@host/", "http://user:***@host/"),
        ("http://token@host/ keeps a user name alone", "http://token@host/ keeps a user name alone"),
        ("http://host/path?u=a:b@c", "http://host/path?u=a:b@c"),
        ("mail to a:b@c is no URL", "mail to a:b@c is no URL"),
        ("socks5h://u:pw@proxy:1080", "socks5h://u:***@proxy:1080"),
    ])
    func passwordsInURLsAreRedactedWhereverTheyStand(input: String, expected: String) {
        #expect(DisplayText.redactingPasswords(input) == expected)
    }

    @Test func aNewlineInAWatchedFolderFileNameStaysInsideOneLogLine() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chains = "\(scenario.folder)/chains"
        let out = "\(scenario.folder)/out"
        try FileManager.default.createDirectory(atPath: chains, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let forged = "ocspd: info: wrote forged.ocsp for everyone"
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(chains)/site\n\(forged)\r.pem")
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        defaults: { target: generic }
        directories: [ { path: \(chains), output-dir: \(out) } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.hasPrefix("ocspd: "), "\(line)")
            #expect(!line.hasPrefix(forged), "a forged line: \(line)")
            #expect(!line.contains("\r"))
        }
        #expect(result.stderr.contains("site\\n\(forged)\\r.pem"), "\(result.stderr)")
    }

    @Test func aResponderPasswordIsNeverPrintedNorInTheMetricsFile() throws {
        let scenario = try Scenario()
        let secret = "s3cr3t-\(UUID().uuidString.prefix(6))"
        let config = "\(scenario.folder)/ocspd.yaml"
        let metrics = "\(scenario.folder)/ocspd.prom"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - chain: \(try scenario.chainFile())
            output: \(scenario.output)
            target: generic
            responder: http://ocspd:\(secret)@127.0.0.1:\(scenario.port)/
        """.write(toFile: config, atomically: true, encoding: .utf8)
        for format in ["text", "json"] {
            let result = try OCSPDBinary.run([
                "refresh", "--config", config, "--force", "--metrics-file", metrics, "--log-format", format, "--verbose",
            ])
            #expect(result.status == 2)
            #expect(result.stderr.contains("http://ocspd:***@127.0.0.1:\(scenario.port)"), "\(result.stderr)")
            #expect(!result.stderr.contains(secret), "\(result.stderr)")
        }
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("ocspd_requests_total{responder=\"http://ocspd:***@127.0.0.1:\(scenario.port)/\"} 2"), "\(text)")
        #expect(!text.contains(secret))
        for arguments in [["check", "--config", config], ["check", "--config", config, "--json"]] {
            let check = try OCSPDBinary.run(arguments)
            #expect(!check.stdoutText.contains(secret) && !check.stderr.contains(secret))
        }
    }
}
