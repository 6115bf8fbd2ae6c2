import Foundation

/// What the responder said about when to ask again.
public struct ScheduleHints: Sendable, Equatable {
    /// Retry-After of a failed answer (the latest of the round), in seconds.
    public var retryAfter: Int? = nil
    /// Cache-Control max-age of an answer that repeated the proof in place, in seconds.
    public var maxAge: Int? = nil

    public init(retryAfter: Int? = nil, maxAge: Int? = nil) {
        self.retryAfter = retryAfter
        self.maxAge = maxAge
    }
}

extension RefreshSchedule {
    /// Records how a refresh ended in `state` and plans the next attempt from it. `timing`
    /// is the staple's (already the Must-Staple form for such a certificate).
    public static func record(
        _ outcome: RefreshOutcome, hints: ScheduleHints, timing: Timing, in state: inout StapleState, at now: Date,
        random: inout some RandomNumberGenerator
    ) {
        switch outcome {
        case .stapled, .revoked(_?, written: true, _), .unchanged(_, .newerOnDisk):
            guard let staple = outcome.factsInPlace else { return }
            state.recordSuccess(at: now, nextAttempt: nextRefresh(after: staple, lastSuccess: now, timing: timing, random: &random))
        case .unchanged(let staple, .identical):
            let next = retrySameProof(
                deadline: deadline(staple, timing: timing), maxAge: hints.maxAge.map(TimeInterval.init), at: now, timing: timing,
                random: &random)
            state.recordSuccess(at: now, nextAttempt: next)
        case .unchanged(let staple, .fresh):
            if state.nextAttempt == nil {
                state.nextAttempt = nextRefresh(
                    after: staple, lastSuccess: StoredPlan.past(state.lastSuccess, at: now), timing: timing, random: &random)
            }
        case .revoked:
            // Nothing will be served; ask again rarely, in case the responder was wrong.
            state.recordSuccess(at: now, nextAttempt: recheckRevoked(at: now, timing: timing, random: &random))
        case .failed(.backingOff, _, _):
            break
        case .failed:
            let retryAfter = hints.retryAfter.map(TimeInterval.init)
            let limit = outcome.factsInPlace.map { RefreshSchedule.deadline($0, timing: timing) }
            state.recordFailure(at: now) { failures in
                retry(afterFailures: failures, retryAfter: retryAfter, at: now, timing: timing, deadline: limit, random: &random)
            }
        case .nothingToStaple, .busy, .lockHeld:
            break
        }
    }
}
