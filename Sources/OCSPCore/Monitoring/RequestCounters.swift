import Foundation

/// `ocspd_requests_total` and `ocspd_failures_total`, one number per series.
public struct RequestCounters: Codable, Sendable, Equatable {
    /// By responder URL.
    public var requests: [String: Int]
    /// By `responder reason`.
    public var failures: [String: Int]

    public init(requests: [String: Int] = [:], failures: [String: Int] = [:]) {
        self.requests = requests
        self.failures = failures
    }

    /// Adds one staple's counts. URL passwords are redacted first: the metrics file must not
    /// show them, and two spellings of one responder that differ only there are one series.
    public mutating func add(requests more: [String: Int], failures moreFailures: [String: Int]) {
        for (responder, count) in more { requests[DisplayText.redactingPasswords(responder), default: 0] += count }
        for (key, count) in moreFailures { failures[DisplayText.redactingPasswords(key), default: 0] += count }
    }
}

/// What the metrics file last published for the state folder, kept in the folder, so the
/// counters never go down while the folder lives: Prometheus reads any decrease as a restart
/// from zero, and `rate()` then shows a burst of every request ever made.
///
/// Each published series is the sum over every staple state file in the folder, plus an
/// offset. The sum covers state files of staples no longer configured (they are never
/// deleted), so removing a staple changes nothing; the offset absorbs what vanishes anyway
/// (a corrupt state file started afresh, a state file an operator removed): the series then
/// stays where it was and counts on from there.
public struct CounterLedger: Codable, Sendable, Equatable {
    public var published: RequestCounters
    public var offset: RequestCounters

    public init(published: RequestCounters = RequestCounters(), offset: RequestCounters = RequestCounters()) {
        self.published = published
        self.offset = offset
    }

    /// The ledger after publishing the folder's current `sums`. A series no state file names
    /// any more stays at its last value.
    public func advanced(to sums: RequestCounters) -> CounterLedger {
        var next = CounterLedger()
        (next.published.requests, next.offset.requests) = Self.advance(published.requests, offset.requests, to: sums.requests)
        (next.published.failures, next.offset.failures) = Self.advance(published.failures, offset.failures, to: sums.failures)
        return next
    }

    private static func advance(_ published: [String: Int], _ offset: [String: Int], to sums: [String: Int]) -> ([String: Int], [String: Int]) {
        var nextPublished: [String: Int] = [:], nextOffset: [String: Int] = [:]
        for key in Set(published.keys).union(sums.keys) {
            let sum = sums[key] ?? 0, before = published[key] ?? 0
            var extra = offset[key] ?? 0
            if sum + extra < before { extra = before - sum }
            nextPublished[key] = sum + extra
            if extra > 0 { nextOffset[key] = extra }
        }
        return (nextPublished, nextOffset)
    }
}
