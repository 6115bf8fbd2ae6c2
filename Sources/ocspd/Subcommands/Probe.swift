import ArgumentParser
import Foundation
import OCSPCore

extension TLSProbe.StartTLS: ExpressibleByArgument {}
extension TLSProbe.KeyType: ExpressibleByArgument {}

extension OCSPD {
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to a server as a client would and report what it really staples.",
            discussion: """
                A real TLS handshake (OpenSSL) asking for certificate status, after EHLO and STARTTLS for
                mail protocols. Exit codes as for check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no connection).
                Examples:
                  ocspd probe mail.example.org:25 --starttls smtp --expect /var/lib/ocspd/staples/mail.der
                  ocspd probe [2001:db8::1]:443 --servername www.example.org --json
                  ocspd probe mail.example.org:25 --starttls smtp --key-type rsa --expect /var/lib/ocspd/staples/mail-rsa.der
                """
        )

        @Argument(
            help: ArgumentHelp(
                "HOST, HOST:PORT or [IPv6]:PORT (default port 443, or 25/143/110 with --starttls).", valueName: "host[:port]"))
        var endpoint: String

        @Option(help: ArgumentHelp("smtp, imap or pop3: switch to TLS with STARTTLS first.", valueName: "protocol"))
        var starttls: TLSProbe.StartTLS?

        @Option(help: ArgumentHelp("The name to ask for with SNI (default: the host, unless it is an address).", valueName: "name"))
        var servername: String?

        @Option(help: ArgumentHelp("A staple file the server should be serving byte for byte.", valueName: "staple"))
        var expect: String?

        @Option(
            help: ArgumentHelp(
                "rsa or ecdsa: offer only this key type's signature algorithms, so a server with both certificates presents (and staples for) that one.",
                valueName: "type"))
        var keyType: TLSProbe.KeyType?

        @Option(
            help: ArgumentHelp(
                "Give up after this long in all: connect, banner, EHLO, STARTTLS and the TLS handshake together (default 10s).",
                valueName: "duration"))
        var timeout: String = "10s"

        @OptionGroup var thresholds: ThresholdOptions

        @Flag(help: "Print one JSON object instead.")
        var json = false

        func validate() throws {
            guard ProbeReport.parseEndpoint(endpoint, defaultPort: 443) != nil else {
                throw ValidationError("'\(endpoint)' is not HOST, HOST:PORT or [IPv6]:PORT.")
            }
            guard let seconds = DurationText.parse(timeout), seconds > 0 else {
                throw ValidationError("--timeout '\(timeout)' is not a duration such as 10, 10s or 1m.")
            }
        }

        func run() throws {
            let defaultPort: UInt16 =
                switch starttls {
                case .smtp: 25
                case .imap: 143
                case .pop3: 110
                case nil: 443
                }
            guard let (host, port) = ProbeReport.parseEndpoint(endpoint, defaultPort: defaultPort) else {
                throw unknown("'\(endpoint)' is not HOST, HOST:PORT or [IPv6]:PORT")
            }
            var expected: (path: String, bytes: [UInt8])? = nil
            if let expect {
                let bytes: [UInt8]
                switch FileBytes.read(expect, maximum: LocalFileLimit.bytes) {
                case .success(let read): bytes = read
                case .failure(let error): throw unknown("cannot read \(expect): \(error)")
                }
                expected = (expect, bytes)
            }
            let probe = TLSProbe(
                host: host, port: port, startTLS: starttls, serverName: servername,
                timeout: DurationText.parse(timeout) ?? TLSProbe.defaultTimeout, keyType: keyType)
            switch probe.run() {
            case .failure(let error):
                throw unknown(error.description)
            case .success(let observation):
                let report = ProbeReport(
                    endpoint: endpoint, observation: observation, expected: expected, at: Date(),
                    warning: thresholds.warningSeconds, critical: thresholds.criticalSeconds)
                print(json ? report.json.rendered() : report.text)
                throw ExitCode(report.level.rawValue)
            }
        }

        /// UNKNOWN in the format asked for: every outcome of a monitoring plugin is parseable.
        private func unknown(_ reason: String) -> ExitCode {
            print(
                json
                    ? JSONValue.object([("status", .string("UNKNOWN")), ("reason", .string(DisplayText.redactingPasswords(reason)))])
                        .rendered()
                    : "OCSPD UNKNOWN - \(DisplayText.line(reason))")
            return ExitCode(StapleHealth.Level.unknown.rawValue)
        }
    }
}
