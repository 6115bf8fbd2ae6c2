import ArgumentParser
import Foundation
import Logging
import OCSPCore
import ServiceLifecycle

extension OCSPD {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep every configured staple fresh: a timer daemon for systemd.",
            discussion: """
                SIGHUP reloads the configuration (a bad one is reported and the old one kept) and
                re-reads every chain. SIGTERM or SIGINT aborts transfers in flight and exits 0.
                Exit codes: 0 stopped cleanly (or --check-config found no problem), 78 configuration error.
                """
        )

        @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"))
        var config: String

        @Flag(name: .customLong("check-config"), help: "Validate the configuration, print what it maintains, and exit.")
        var checkConfig = false

        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            Process.ignoreFileSizeSignal()
            let logger = logging.makeLogger()
            let configuration = try ConfigurationLoading.load(config, logger: logger, strict: checkConfig)
            if checkConfig {
                // The load expanded the entries already: what it found is what is printed.
                let jobs = configuration.expansionAtLoad().jobs
                // One write for the whole list: 10,000 lines printed one by one cost a lock and a
                // conversion each.
                var text = DisplayText.line("\(config): OK, \(jobs.count) staple(s), state in \(configuration.stateDirectory)") + "\n"
                text.reserveCapacity(text.utf8.count + jobs.count * 160)
                for job in jobs {
                    text += "  "
                    text += DisplayText.line("\(job.outputPath) <- \(job.chainPath) (target \(job.policy.target))")
                    text += "\n"
                }
                print(text, terminator: "")
                return
            }
            let daemon = StapleDaemon(
                configurationPath: config, configuration: configuration, metricsFile: logging.metricsFile, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: daemon)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: Logger(label: "ocspd.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })))
            try await group.run()
        }
    }
}
