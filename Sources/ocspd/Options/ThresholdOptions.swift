import ArgumentParser
import Foundation
import OCSPCore

/// The time-left thresholds of the monitoring commands.
struct ThresholdOptions: ParsableArguments {
    @Option(help: ArgumentHelp("WARNING when a staple has less than this left (default 24h).", valueName: "duration"))
    var warning: String = "24h"

    @Option(help: ArgumentHelp("CRITICAL when a staple has less than this left (default 4h).", valueName: "duration"))
    var critical: String = "4h"

    func validate() throws {
        for (name, value) in [("--warning", warning), ("--critical", critical)] where DurationText.parse(value) == nil {
            throw ValidationError("\(name) '\(value)' is not a duration such as 3600, 30m, 24h or 2d.")
        }
    }

    var warningSeconds: TimeInterval { DurationText.parse(warning) ?? 86400 }
    var criticalSeconds: TimeInterval { DurationText.parse(critical) ?? 14400 }
}
