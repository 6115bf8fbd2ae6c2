import Foundation

@testable import OCSPCore

/// `ocspd run --verbose` as a child of the test, its output and errors in one log beside its
/// configuration file. Stopped (SIGTERM, then SIGKILL) when released.
final class RunningDaemon: @unchecked Sendable {
    /// Lines for a `defaults:` block that shorten the schedule's constants, so that the daemon
    /// refreshes one-minute proofs every few seconds and retries within two.
    static let shortenedSchedule = """
          refresh-at: 15%
          jitter: 0%
          min-interval: 1s
          deadline-min: 5s
          backoff-min: 1s
          backoff-max: 2s
        """

    let config: String
    let log: String
    let process: ChildProcess

    /// Starts the daemon on the configuration file already at `config`, with `arguments` after `--verbose`.
    init(config: String, arguments: [String] = [], environment: [String: String]? = nil) throws {
        self.config = config
        log = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("daemon.log").path
        process = try ChildProcess(
            [OCSPDBinary.path, "run", "--config", config, "--verbose"] + arguments,
            stdout: log, stderr: log, environment: environment)
    }

    /// Writes `configuration` to `ocspd.yaml` in `folder` and starts the daemon on it.
    convenience init(in folder: String, configuration: String, arguments: [String] = [], environment: [String: String]? = nil) throws {
        let config = "\(folder)/ocspd.yaml"
        try configuration.write(toFile: config, atomically: true, encoding: .utf8)
        try self.init(config: config, arguments: arguments, environment: environment)
    }

    deinit { process.stop() }

    /// The log so far.
    var text: String { TextFile.text(log) }

    /// Whether the log says `fragment` within `seconds`.
    func logs(_ fragment: String, within seconds: TimeInterval) -> Bool {
        eventually(seconds) { text.contains(fragment) }
    }

    /// SIGTERM to the daemon; its exit status once it ended within `seconds`, nil while it still runs.
    func terminate(within seconds: TimeInterval = 10) -> Int32? {
        process.signal(SIGTERM)
        return eventually(seconds) { !process.isRunning } ? process.wait() : nil
    }
}
