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
}
