import ArgumentParser
import Foundation
import OCSPCore

extension Target: ExpressibleByArgument {}

struct TargetOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The server reading the staple: exim, nginx, haproxy or generic. Each has its own rules for what may be written and what is removed.",
            valueName: "server"))
    var target: Target = .exim

    @Option(
        name: .customLong("expiry-margin"),
        help: ArgumentHelp(
            "Exim: remove a staple this close to its effective expiry when no new one can be had (300, 5m, 1h; default 5m). With "
                + "--config it overrides the file.",
            valueName: "duration"))
    var expiryMargin: String?

    func validate() throws {
        if let expiryMargin, DurationText.parse(expiryMargin) == nil {
            throw ValidationError("--expiry-margin '\(expiryMargin)' is not a duration such as 300, 300s, 5m or 1h.")
        }
    }

    /// The margin given on the command line, if any.
    var explicitMargin: TimeInterval? {
        expiryMargin.flatMap(DurationText.parse)
    }

    var policy: TargetPolicy {
        TargetPolicy(target: target, expiryMargin: explicitMargin ?? TargetPolicy.defaultExpiryMargin)
    }
}
