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
    /// Saturating (`CounterArithmetic`): counts read from files never trap.
    public mutating func add(requests more: [String: Int], failures moreFailures: [String: Int]) {
        Self.add(more, to: &requests)
        Self.add(moreFailures, to: &failures)
    }

    private static func add(_ more: [String: Int], to series: inout [String: Int]) {
        for (key, count) in more {
            let redacted = DisplayText.redactingPasswords(key)
            series[redacted] = CounterArithmetic.adding(series[redacted] ?? 0, count)
        }
    }

    /// No count is negative: a ledger or state file holding one is not ocspd's.
    var isPlausible: Bool {
        CounterArithmetic.plausible(requests) != nil && CounterArithmetic.plausible(failures) != nil
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

    /// No count is negative (a ledger holding one was not written by ocspd).
    var isPlausible: Bool { published.isPlausible && offset.isPlausible }

    /// The ledger after publishing the folder's current `sums`. A series no state file names
    /// any more stays at its last value.
    public func advanced(to sums: RequestCounters) -> CounterLedger {
        var next = CounterLedger()
        (next.published.requests, next.offset.requests) = Self.advance(published.requests, offset.requests, to: sums.requests)
        (next.published.failures, next.offset.failures) = Self.advance(published.failures, offset.failures, to: sums.failures)
        return next
    }

    /// Saturating: a series at Int.max stays there (see `CounterArithmetic`), never traps.
    private static func advance(_ published: [String: Int], _ offset: [String: Int], to sums: [String: Int]) -> (
        [String: Int], [String: Int]
    ) {
        var nextPublished: [String: Int] = [:]
        var nextOffset: [String: Int] = [:]
        for key in Set(published.keys).union(sums.keys) {
            let sum = max(0, sums[key] ?? 0)
            let before = max(0, published[key] ?? 0)
            var extra = max(0, offset[key] ?? 0)
            // Both at least 0: `before - sum` cannot overflow.
            if CounterArithmetic.adding(sum, extra) < before { extra = before - sum }
            nextPublished[key] = CounterArithmetic.adding(sum, extra)
            if extra > 0 { nextOffset[key] = extra }
        }
        return (nextPublished, nextOffset)
    }
}
