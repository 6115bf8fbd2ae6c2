import Foundation
import Yams

/// The keys that apply to the whole configuration, not to one entry.
extension ConfigurationReader {
    mutating func applyGlobalKeys(_ top: KeyedMapping, to configuration: inout Configuration) {
        if let node = top[key: "state-dir"], let value = string(node, at: "state-dir") {
            configuration.stateDirectory = value
        }
        if let node = top[key: "watch-interval"], let value = duration(node, at: "watch-interval") {
            configuration.watchInterval = max(1, value)
        }
        if let node = top[key: "refuse-private-addresses"], let value = bool(node, at: "refuse-private-addresses") {
            configuration.refusePrivateAddresses = value
        }
        if let node = top[key: "max-concurrent"], let value = count(node, at: "max-concurrent") {
            configuration.concurrency.global = value
        }
        if let node = top[key: "max-per-responder"], let value = count(node, at: "max-per-responder") {
            configuration.concurrency.perResponder = value
        }
        if let node = top[key: "failure-hooks-per-round"], let value = count(node, at: "failure-hooks-per-round") {
            configuration.failureHooksPerRound = value
        }
        if let node = top[key: "forget-after"], let value = duration(node, at: "forget-after") {
            if value >= StateCollection.minimumForgetAfter {
                configuration.forgetAfter = value
            } else {
                problem(
                    "forget-after", node,
                    "expected at least 1d: the state of an output another host maintains in a shared state folder must outlive its refresh interval"
                )
            }
        }
        if let node = top[key: "responder-rate"] {
            if let text = node.scalar?.string, let rate = Double(text), rate > 0 {
                configuration.concurrency.perResponderRate = rate
            } else {
                problem("responder-rate", node, "expected requests per second per responder, such as 10 or 0.5")
            }
        }
    }
}
