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
            unknown(OCSPD.message(for: error), command: command, json: arguments.contains("--json"))
        }
    }

    /// Before any parsing: an argument that is not UTF-8 would be decoded with replacement and
    /// name another file, so it is refused: UNKNOWN (exit 3) for the monitoring commands, a
    /// usage error (exit 64) for the others.
    static func refuseArgumentsNotUTF8(_ raw: [[UInt8]]) {
        guard let refused = ArgumentBytes.firstNotUTF8(raw) else { return }
        let arguments = raw.dropFirst().map { String(decoding: $0, as: UTF8.self) }
        if let command = arguments.first, command == "check" || command == "probe" {
            unknown(refused.description, command: command, json: arguments.contains("--json"))
        }
        StandardError.write("ocspd: error: \(refused)\n")
        exit(ExitStatus.usage)
    }

    private static func unknown(_ message: String, command: String, json: Bool) -> Never {
        if command == "check" {
            let report = CheckReport(problem: message)
            print(json ? report.json.rendered() : report.text)
        } else {
            print(
                json
                    ? JSONValue.object([("status", .string("UNKNOWN")), ("reason", .string(message))]).rendered()
                    : "OCSPD UNKNOWN - \(DisplayText.line(message))")
        }
        exit(StapleHealth.Level.unknown.rawValue)
    }
}
