import ArgumentParser
import Foundation
import OCSPCore

extension OCSPD {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode an OCSP response and, given the chain or issuer, verify it.",
            discussion: """
                Exit codes:
                  0  decoded (and verified, if --chain or --issuer was given)
                  1  verification failed
                  2  not a decodable OCSP response
                """
        )

        @Argument(help: ArgumentHelp("A DER or PEM OCSP response (a staple file).", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("Verify for this certificate chain, as refresh would.", valueName: "chain"))
        var chain: String?

        @Option(
            help: ArgumentHelp("Verify against this issuer (without the server certificate, the serial is not checked).", valueName: "file")
        )
        var issuer: String?

        @Option(help: ArgumentHelp("Verify as of this moment: RFC 3339 (2026-01-31T12:00:00Z) or Unix seconds.", valueName: "time"))
        var at: String?

        @Option(
            help: ArgumentHelp(
                "How long a proof without nextUpdate counts as valid after its thisUpdate, as the configuration's assume-validity (default 12h).",
                valueName: "duration"))
        var assumeValidity: String?

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            if let at, RFC3339.parse(at) == nil {
                throw ValidationError("--at '\(at)' is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor Unix seconds.")
            }
            if let assumeValidity, DurationText.parse(assumeValidity).map({ $0 > 0 }) != true {
                throw ValidationError("--assume-validity '\(assumeValidity)' is not a positive duration such as 12h, 90m or 2d.")
            }
        }

        func run() throws {
            let moment = at.flatMap(RFC3339.parse) ?? Date()
            let report: InspectReport
            let assumed = assumeValidity.flatMap(DurationText.parse) ?? Timing.defaultAssumedValidity
            switch Inspection.inspect(file: file, chainPath: chain, issuerPath: issuer, at: moment, assumedValidity: assumed) {
            case .failure(let error):
                StandardError.write("ocspd: error: \(DisplayText.line(error.description))\n")
                throw ExitCode(error.exitCode)
            case .success(let result):
                report = result
            }
            print(json ? report.json.rendered() : report.text)
            if case .failure = report.verification {
                throw ExitCode(1)
            }
        }
    }
}
