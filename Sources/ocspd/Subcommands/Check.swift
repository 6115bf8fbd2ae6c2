import ArgumentParser
import Foundation
import OCSPCore

extension OCSPD {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Judge every configured staple on disk, without any network request: a monitoring plugin.",
            discussion: """
                Nagios/Icinga/Sensu conventions: one status line with perfdata (seconds left per staple),
                then one line per staple. Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
                A missing or expired staple is a WARNING, or CRITICAL for a Must-Staple certificate;
                a revoked certificate or a staple for another certificate is CRITICAL.
                """
        )

        @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"))
        var config: String

        @Option(help: ArgumentHelp("WARNING when a staple has less than this left (default 24h).", valueName: "duration"))
        var warning: String = "24h"

        @Option(help: ArgumentHelp("CRITICAL when a staple has less than this left (default 4h).", valueName: "duration"))
        var critical: String = "4h"

        @Flag(help: "Print one JSON object instead.")
        var json = false

        func validate() throws {
            for (name, value) in [("--warning", warning), ("--critical", critical)] where DurationText.parse(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a duration such as 3600, 30m, 24h or 2d.")
            }
        }

        func run() throws {
            let configuration: Configuration
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch {
                print("OCSPD UNKNOWN - \(error.description.replacingOccurrences(of: "\n", with: " "))")
                throw ExitCode(StapleHealth.Level.unknown.rawValue)
            }
            let moment = Date()
            let warningSeconds = DurationText.parse(warning) ?? 86400, criticalSeconds = DurationText.parse(critical) ?? 14400
            let store = StateStore(directory: configuration.stateDirectory)
            let staples = configuration.jobs().map {
                StapleHealth.assess($0, store: store, at: moment, warning: warningSeconds, critical: criticalSeconds)
            }
            let report = CheckReport(staples: staples, warning: warningSeconds, critical: criticalSeconds, at: moment)
            print(json ? report.json.rendered() : report.text)
            throw ExitCode(report.level.rawValue)
        }
    }
}
