import Foundation

/// When a staple is refreshed next. Pure functions of the staple, the state, the timing and
/// a random source: table-tested with a fake clock.
public enum RefreshSchedule {
    /// The single form's rule (`ocspd refresh` without --config): due halfway through the
    /// effective validity, and never later than the target's removal margin.
    public static func due(_ staple: VerifiedStaple, policy: TargetPolicy) -> Date {
        due(staple.facts, policy: policy)
    }

    public static func due(_ staple: StapleFacts, policy: TargetPolicy) -> Date {
        let halfway = staple.halfLife
        guard policy.target == .exim else { return halfway }
        return min(halfway, staple.effectiveExpiry.addingTimeInterval(-policy.expiryMargin))
    }

    /// effective expiry − max(deadlineMinimum, deadlineFraction × window): the latest a refresh may be.
    public static func deadline(thisUpdate: Date, effectiveExpiry: Date, timing: Timing) -> Date {
        let window = effectiveExpiry.timeIntervalSince(thisUpdate)
        return effectiveExpiry.addingTimeInterval(-max(timing.deadlineMinimum, timing.deadlineFraction * window))
    }

    public static func deadline(_ staple: StapleFacts, timing: Timing) -> Date {
        deadline(thisUpdate: staple.thisUpdate, effectiveExpiry: staple.effectiveExpiry, timing: timing)
    }

    /// After a success: thisUpdate + refreshAt × window ± jitter × window, not before
    /// lastSuccess + minimumInterval, not after the deadline. When the window is too short
    /// for both limits, the deadline wins; but a deadline already behind us (a proof shorter
    /// than deadlineMinimum) would mean asking again at once, forever, so the next attempt
    /// still waits min(minimumInterval, 10% of the window) after the last success.
    public static func nextRefresh(
        thisUpdate: Date, effectiveExpiry: Date, lastSuccess: Date?, timing: Timing,
        random: inout some RandomNumberGenerator
    ) -> Date {
        let window = effectiveExpiry.timeIntervalSince(thisUpdate)
        let offset = (2 * UnitRandom.draw(&random) - 1) * timing.jitter
        var next = thisUpdate.addingTimeInterval((timing.refreshAt + offset) * window)
        if let lastSuccess {
            next = max(next, lastSuccess.addingTimeInterval(timing.minimumInterval))
        }
        let limit = deadline(thisUpdate: thisUpdate, effectiveExpiry: effectiveExpiry, timing: timing)
        if let lastSuccess, limit <= lastSuccess {
            return lastSuccess.addingTimeInterval(min(timing.minimumInterval, 0.1 * window))
        }
        return min(next, limit)
    }

    public static func nextRefresh(
        after staple: StapleFacts, lastSuccess: Date?, timing: Timing,
        random: inout some RandomNumberGenerator
    ) -> Date {
        nextRefresh(
            thisUpdate: staple.thisUpdate, effectiveExpiry: staple.effectiveExpiry, lastSuccess: lastSuccess,
            timing: timing, random: &random)
    }

    /// After a failure: the backoff with full jitter, and never before the responder's
    /// Retry-After, which is honoured up to the deadline of the proof in place (at least up
    /// to `backoff-max`): a responder asking for a week must not let the proof expire. The
    /// attempt is drawn at random over the backoff's window *after* the Retry-After too, so
    /// thousands of staples told the same Retry-After (or paused together) do not come back
    /// in the same second.
    public static func retry(
        afterFailures failures: Int, retryAfter: TimeInterval?, at now: Date, timing: Timing,
        deadline: Date? = nil, random: inout some RandomNumberGenerator
    ) -> Date {
        let backoff = timing.backoff
        let limit = max(backoff.cap, backoff.floor, (deadline?.timeIntervalSince(now)) ?? 0)
        let earliest = max(backoff.floor, min(retryAfter ?? 0, limit))
        return now.addingTimeInterval(spread(from: earliest, over: backoff.window(afterFailures: failures), within: limit, random: &random))
    }

    /// The responder sent the proof we already have (a CDN cache): ask again after its
    /// Cache-Control max-age or the backoff, whichever is later, spread at random over the
    /// first backoff window (one max-age for every staple behind a CDN would bring them all
    /// back at once), within the deadline; with the deadline behind us, within `backoff-max`.
    public static func retrySameProof(
        deadline limit: Date, maxAge: TimeInterval?, at now: Date, timing: Timing,
        random: inout some RandomNumberGenerator
    ) -> Date {
        let backoff = timing.backoff
        let horizon = limit > now ? limit.timeIntervalSince(now) : max(backoff.cap, backoff.floor)
        let earliest = max(maxAge ?? 0, backoff.floor)
        return now.addingTimeInterval(spread(from: earliest, over: backoff.window(afterFailures: 1), within: horizon, random: &random))
    }

    /// The certificate is revoked: ask again rarely, in case the responder was wrong, in the
    /// last tenth of `backoff-max` at random (a revoked intermediate revokes thousands at once).
    public static func recheckRevoked(at now: Date, timing: Timing, random: inout some RandomNumberGenerator) -> Date {
        let cap = max(timing.backoffMaximum, timing.backoffMinimum)
        return now.addingTimeInterval(spread(from: cap, over: 0.1 * cap, within: cap, random: &random))
    }

    /// A delay drawn uniformly over `width` seconds starting at `earliest`, the whole range
    /// moved (and narrowed if need be) to end by `limit`, so a cap never piles every draw onto
    /// the cap itself.
    static func spread(
        from earliest: TimeInterval, over width: TimeInterval, within limit: TimeInterval,
        random: inout some RandomNumberGenerator
    ) -> TimeInterval {
        let limit = max(0, limit)
        let width = min(max(0, width), limit)
        let start = min(earliest, limit - width)
        return start + UnitRandom.draw(&random) * width
    }

    /// Whether to warn: less than `warningFraction` of the window left and no success since thisUpdate.
    public static func needsAttention(_ staple: StapleFacts, at now: Date, timing: Timing) -> Bool {
        let window = staple.effectiveExpiry.timeIntervalSince(staple.thisUpdate)
        return staple.effectiveExpiry.timeIntervalSince(now) < timing.warningFraction * window
    }

    /// When the target's removal rule would take the staple away if nothing replaces it:
    /// the daemon wakes then even while the responder is down.
    public static func removalTime(_ staple: StapleFacts, policy: TargetPolicy) -> Date? {
        switch policy.target {
        case .exim: return staple.effectiveExpiry.addingTimeInterval(-policy.expiryMargin)
        case .haproxy: return staple.effectiveExpiry.addingTimeInterval(-Target.haproxyMinimumValidity)
        case .nginx, .generic: return nil
        }
    }

    /// When the staple in place stops being fresh, if it is fresh at `now`: acceptable to the
    /// target and before its due time. The configured forms (`followsSchedule`) keep to the
    /// stored plan (`scheduled`, for the same certificate), but never past the removal time.
    public static func freshUntil(
        _ staple: StapleFacts, policy: TargetPolicy, followsSchedule: Bool, scheduled: Date?, at now: Date
    ) -> Date? {
        guard policy.refusal(of: staple, at: now) == nil else { return nil }
        var due = due(staple, policy: policy)
        if followsSchedule, let scheduled {
            due = min(scheduled, removalTime(staple, policy: policy) ?? scheduled)
        }
        return now < due ? due : nil
    }

    /// How long the daemon leaves a staple alone when nothing else is known: one chain check.
    /// A certificate without a responder is looked at again once a day.
    static let nothingToStapleRecheck: TimeInterval = 86400

    /// When the daemon wakes for a staple after a refresh: its next attempt, or its target's
    /// removal time if that comes first (so an Exim staple is removed in time while the
    /// responder is down); never sooner than a second from now.
    public static func wake(after refreshed: Refreshed, policy: TargetPolicy, watchInterval: TimeInterval, at now: Date) -> Date {
        var wake = refreshed.nextAttempt ?? now.addingTimeInterval(watchInterval)
        switch refreshed.outcome {
        case .nothingToStaple: wake = now.addingTimeInterval(nothingToStapleRecheck)
        case .busy, .lockHeld: wake = now.addingTimeInterval(watchInterval)
        default: break
        }
        if let staple = refreshed.outcome.factsInPlace, let removal = removalTime(staple, policy: policy), removal > now {
            wake = min(wake, removal)
        }
        return max(wake, now.addingTimeInterval(1))
    }
}

/// A uniform draw in [0, 1) from the top 53 bits of one `next()`: no rejection loop, so a
/// fixed generator in tests gives a fixed point (0 → 0, UInt64.max → just under 1).
enum UnitRandom {
    static func draw(_ random: inout some RandomNumberGenerator) -> Double {
        Double(random.next() >> 11) * 0x1p-53
    }
}
