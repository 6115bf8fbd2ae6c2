import ArgumentParser
import Logging

struct LoggingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing unless something needs attention (for cron, which mails any output).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print each responder attempt and decision.")
    var verbose = false

    @Option(
        name: .customLong("metrics-file"),
        help: ArgumentHelp(
            "Write Prometheus metrics here (node_exporter's textfile collector), atomically, after each outcome.", valueName: "path"))
    var metricsFile: String?

    @Option(
        name: .customLong("log-format"),
        help: "text (one line per message, for cron and journald) or json (one object per line, for log shippers).")
    var format: ConsoleLogHandler.Format = .text

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose contradict each other; pick one.") }
    }

    var level: Logger.Level {
        quiet ? .error : verbose ? .debug : .info
    }

    /// Sets up logging once per process, before any logger is made.
    func makeLogger() -> Logger {
        let level = self.level
        let format = self.format
        LoggingSystem.bootstrap { label in
            var handler = ConsoleLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "ocspd")
    }
}
