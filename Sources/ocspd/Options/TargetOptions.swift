import ArgumentParser
import OCSPCore

extension Target: ExpressibleByArgument {}

struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server reading the staple: exim, nginx, haproxy or generic. Each has its own rules for what may be written and what is removed.", valueName: "server"))
    var target: Target = .exim

    @Option(name: .customLong("expiry-margin"), help: ArgumentHelp("Exim: remove a staple this close to its effective expiry when no new one can be had (300, 5m, 1h).", valueName: "duration"))
    var expiryMargin: String = "5m"

    func validate() throws {
        guard DurationText.parse(expiryMargin) != nil else {
            throw ValidationError("--expiry-margin '\(expiryMargin)' is not a duration such as 300, 300s, 5m or 1h.")
        }
    }

    var policy: TargetPolicy {
        TargetPolicy(target: target, expiryMargin: DurationText.parse(expiryMargin) ?? TargetPolicy.defaultExpiryMargin)
    }
}
