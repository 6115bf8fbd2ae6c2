import ArgumentParser
import Foundation
import OCSPCore

/// `check` and `probe` are monitoring plugins: a wrong argument is UNKNOWN (exit 3) in the
/// format asked for, like every other outcome, not a usage error (64) on standard error that
/// a monitoring system shows as a plugin crash and a JSON consumer cannot parse.
enum PluginArguments {
    /// Returns when `arguments` are not a monitoring command's or parse; exits 3 otherwise.
    static func reportUsageErrors(_ arguments: [String]) {
        guard let command = arguments.first, command == "check" || command == "probe" else { return }
        do {
            _ = try OCSPD.parseAsRoot(arguments)
        } catch {
            // Help and version requests are ArgumentParser's to print.
            guard OCSPD.exitCode(for: error) == ExitCode.validationFailure else { return }
            let message = OCSPD.message(for: error)
            let json = arguments.contains("--json")
            if command == "check" {
                let report = CheckReport(problem: message)
                print(json ? report.json.rendered() : report.text)
            } else {
                print(json ? JSONValue.object([("status", .string("UNKNOWN")), ("reason", .string(message))]).rendered()
                           : "OCSPD UNKNOWN - \(DisplayText.line(message))")
            }
            exit(StapleHealth.Level.unknown.rawValue)
        }
    }
}
