import ArgumentParser
import OCSPCore

@main
struct OCSPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocspd",
        abstract: "Fetch, verify and atomically write OCSP staples for Exim, nginx and HAProxy.",
        version: OCSPDVersion.current,
        subcommands: [Refresh.self, Inspect.self]
    )
}
