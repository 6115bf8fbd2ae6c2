import ArgumentParser
import OCSPCore

@main
struct OCSPD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocspd",
        abstract: "Fetch, verify and atomically write OCSP staples for Exim, nginx and HAProxy.",
        version: OCSPDVersion.current,
        subcommands: [Refresh.self, Run.self, Inspect.self, Check.self, Probe.self]
    )

    /// ArgumentParser's own `main`, after the monitoring commands had their say on usage errors.
    static func main() async {
        PluginArguments.refuseArgumentsNotUTF8(ArgumentBytes.current())
        PluginArguments.reportUsageErrors(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
