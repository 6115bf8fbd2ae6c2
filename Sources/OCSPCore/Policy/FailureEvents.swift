import Foundation

/// Which `on-failure` event one refresh raises: a pure function of the staple's alert state,
/// how the refresh ended, the thresholds and the clock, table-tested on synthetic facts.
///
/// Events are changes of state, not attempts: `failing` when a staple starts needing a person
/// (`failure-threshold` consecutive failed refreshes, or the staple in place below the
/// warning share of its validity while refreshing fails), `recovered` at the first success
/// after a *delivered* `failing`. A `failing` is raised again only for a worse reason (the
/// staple now running out), and never twice within `failure-hook-interval` for one staple; a
/// `recovered` is never held back, and never raised without a delivered `failing` before it.
public enum FailureEvents {
    public enum Kind: String, Sendable, Hashable, Codable {
        case failing
        case recovered
    }

    /// Why a staple is failing, in order of urgency.
    public enum Reason: String, Sendable, Hashable, Codable, Comparable {
        /// `failure-threshold` refreshes in a row failed.
        case consecutiveFailures = "consecutive-failures"
        /// Less than `warning-fraction` of the staple's validity is left and refreshing fails.
        case stapleExpiring = "staple-expiring"

        private var urgency: Int { self == .consecutiveFailures ? 0 : 1 }

        public static func < (lhs: Reason, rhs: Reason) -> Bool { lhs.urgency < rhs.urgency }
    }

    public struct Event: Sendable, Hashable {
        public var kind: Kind
        /// For `recovered`, the reason of the `failing` it ends.
        public var reason: Reason

        public init(_ kind: Kind, _ reason: Reason) {
            self.kind = kind
            self.reason = reason
        }
    }

    /// How a refresh ended, as far as events care.
    public enum Result: Sendable, Hashable {
        /// A valid good proof is in place and was fetched or judged fresh.
        case succeeded
        /// No new proof (the responders failed, a backoff, a refused answer).
        case failed
        /// Anything else (revoked, nothing to staple, another process's lock): no event.
        case other

        public init(_ outcome: RefreshOutcome) {
            switch outcome {
            case .stapled, .unchanged: self = .succeeded
            case .failed: self = .failed
            case .revoked, .nothingToStaple, .busy, .lockHeld: self = .other
            }
        }
    }

    /// `failure-threshold` and `failure-hook-interval`.
    public struct Settings: Sendable, Hashable {
        public var threshold: Int = 3
        public var interval: TimeInterval = 3600

        public init(threshold: Int = 3, interval: TimeInterval = 3600) {
            self.threshold = max(1, threshold)
            self.interval = max(0, interval)
        }
    }

    /// What one refresh left, after `RefreshSchedule.record` counted it.
    public struct Facts: Sendable {
        public var alert: FailureAlert
        public var result: Result
        public var consecutiveFailures: Int
        /// The valid proof in place after the refresh, if any.
        public var stapleInPlace: StapleFacts?

        public init(alert: FailureAlert, result: Result, consecutiveFailures: Int, stapleInPlace: StapleFacts?) {
            self.alert = alert
            self.result = result
            self.consecutiveFailures = consecutiveFailures
            self.stapleInPlace = stapleInPlace
        }
    }

    public static func decide(_ facts: Facts, settings: Settings, timing: Timing, at now: Date) -> Event? {
        switch facts.result {
        case .other: return nil
        case .succeeded: return facts.alert.failing.map { Event(.recovered, $0) }
        case .failed:
            guard let reason = failingReason(facts, settings: settings, timing: timing, at: now) else { return nil }
            if let delivered = facts.alert.failing, delivered >= reason { return nil }
            guard !facts.alert.failingHeldBack(at: now, interval: settings.interval) else { return nil }
            return Event(.failing, reason)
        }
    }

    /// The most urgent reason the staple is failing for, if it is.
    static func failingReason(_ facts: Facts, settings: Settings, timing: Timing, at now: Date) -> Reason? {
        if let staple = facts.stapleInPlace, RefreshSchedule.needsAttention(staple, at: now, timing: timing) { return .stapleExpiring }
        return facts.consecutiveFailures >= settings.threshold ? .consecutiveFailures : nil
    }
}

/// What a staple's state remembers of its `on-failure` events: only events whose hook ran
/// (`FailureEvents` for what "delivered" means).
public struct FailureAlert: Codable, Sendable, Equatable {
    /// The reason of the delivered `failing` no delivered `recovered` has ended yet.
    public var failing: FailureEvents.Reason?
    /// When the last `failing` was delivered; kept after a recovery, for the rate limit.
    public var lastFailing: Date?

    public init(failing: FailureEvents.Reason? = nil, lastFailing: Date? = nil) {
        self.failing = failing
        self.lastFailing = lastFailing
    }

    /// Whether a `failing` at `now` comes within `interval` of the last one delivered. One
    /// stamped in the future (a clock since stepped back) holds nothing back: it would
    /// otherwise silence the staple for as long as the step.
    func failingHeldBack(at now: Date, interval: TimeInterval) -> Bool {
        guard let lastFailing, lastFailing <= now else { return false }
        return now.timeIntervalSince(lastFailing) < interval
    }

    /// The state once `event`'s hook ran at `now`.
    public mutating func delivered(_ event: FailureEvents.Event, at now: Date) {
        switch event.kind {
        case .failing:
            failing = event.reason
            lastFailing = now
        case .recovered:
            failing = nil
        }
    }
}
