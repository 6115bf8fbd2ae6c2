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

        @OptionGroup var thresholds: ThresholdOptions

        @Flag(help: "Print one JSON object instead.")
        var json = false

        func run() throws {
            let configuration: Configuration
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch {
                let report = CheckReport(problem: error.description)
                print(json ? report.json.rendered() : report.text)
                throw ExitCode(report.level.rawValue)
            }
            let moment = Date()
            let warningSeconds = thresholds.warningSeconds
            let criticalSeconds = thresholds.criticalSeconds
            let store = StateStore(directory: configuration.stateDirectory)
            let (jobs, failures) = configuration.expansion()
            let staples =
                jobs.map {
                    StapleHealth.assess($0, store: store, at: moment, warning: warningSeconds, critical: criticalSeconds)
                } + failures.map { StapleHealth.notMaintained($0, in: configuration) }
            let report = CheckReport(
                staples: staples, warning: warningSeconds, critical: criticalSeconds, at: moment,
                leftInPlace: LeftStaples.find(store: store, configuredJobs: jobs))
            print(json ? report.json.rendered() : report.text)
            throw ExitCode(report.level.rawValue)
        }
    }
}
