import Foundation

/// The time constants of the schedule, with their defaults. All are configurable, globally
/// and per staple, so tests can run on proofs that live a minute.
public struct Timing: Sendable, Hashable {
    /// Refresh this far into the effective validity window (certmagic: halfway).
    public var refreshAt: Double = 0.5
    /// ± this fraction of the window, at random, so thousands of staples do not refresh together.
    public var jitter: Double = 0.1
    /// Never refresh sooner than this after a success.
    public var minimumInterval: TimeInterval = 300
    /// Never later than effective expiry − max(deadlineMinimum, deadlineFraction × window).
    public var deadlineMinimum: TimeInterval = 3600
    public var deadlineFraction: Double = 0.1
    /// Exponential backoff with full jitter between these after failures.
    public var backoffMinimum: TimeInterval = 60
    public var backoffMaximum: TimeInterval = 3600
    /// Warn when less than this fraction of the window remains without a successful refresh.
    public var warningFraction: Double = 0.25
    /// How long after its thisUpdate a proof without nextUpdate counts as valid
    /// (`assume-validity`): its effective expiry for scheduling, expiry and removal.
    public var assumedValidity: TimeInterval = Timing.defaultAssumedValidity

    /// Twelve hours: a responder that promises no nextUpdate is asked again well within a day,
    /// and a proof that old is still far inside what clients accept (GnuTLS takes a proof
    /// without nextUpdate for days after its thisUpdate).
    public static let defaultAssumedValidity: TimeInterval = 12 * 3600

    public init() {}

    /// Why `assumedValidity` cannot work with this timing, or nil. The deadline keeps at least
    /// `deadlineMinimum` before the effective expiry; below twice that, a proof without
    /// nextUpdate would be due for refresh almost as soon as it arrives.
    public var assumedValidityProblem: String? {
        guard assumedValidity < 2 * deadlineMinimum else { return nil }
        return
            "assume-validity \(DurationText.describe(assumedValidity)) is less than twice deadline-min \(DurationText.describe(deadlineMinimum)); make it at least \(DurationText.describe(2 * deadlineMinimum))"
    }

    /// A certificate with the TLS Feature extension (RFC 7633) fails hard in clients without a
    /// staple, so its schedule leaves more room: refresh at no more than a third of the
    /// window and keep at least a quarter of it before expiry.
    public var forMustStaple: Timing {
        var timing = self
        timing.refreshAt = min(refreshAt, 1.0 / 3.0)
        timing.deadlineFraction = max(deadlineFraction, 0.25)
        return timing
    }

    public var backoff: Backoff {
        Backoff(base: backoffMinimum, cap: backoffMaximum, floor: backoffMinimum)
    }
}
