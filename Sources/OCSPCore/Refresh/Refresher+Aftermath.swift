import Foundation
import Logging

/// After a refresh: record it and plan the next one, then run the hook if the file changed.
extension Refresher {
    /// Records the run and when the next fetch is due (see `RefreshSchedule`).
    func schedule(after outcome: RefreshOutcome, hints: ScheduleHints, job: RefreshJob, mustStaple: Bool, state: inout StapleState) {
        var random = SystemRandomNumberGenerator()
        let moment = now()
        let timing = mustStaple ? job.timing.forMustStaple : job.timing
        switch outcome {
        case .stapled, .revoked(_?, written: true, _), .unchanged(_, .newerOnDisk):
            guard let staple = outcome.factsInPlace else { return }
            let next = RefreshSchedule.nextRefresh(after: staple, lastSuccess: moment, timing: timing, random: &random)
            state.recordSuccess(at: moment, nextAttempt: next)
        case .unchanged(let staple, .identical):
            let next = RefreshSchedule.retrySameProof(
                deadline: RefreshSchedule.deadline(staple, timing: timing),
                maxAge: hints.maxAge.map(TimeInterval.init), at: moment, timing: timing, random: &random)
            state.recordSuccess(at: moment, nextAttempt: next)
        case .unchanged(let staple, .fresh):
            if state.nextAttempt == nil {
                state.nextAttempt = RefreshSchedule.nextRefresh(
                    after: staple, lastSuccess: StoredPlan.past(state.lastSuccess, at: moment),
                    timing: timing, random: &random)
            }
        case .revoked:
            // Nothing will be served; ask again rarely, in case the responder was wrong.
            state.recordSuccess(at: moment, nextAttempt: RefreshSchedule.recheckRevoked(at: moment, timing: timing, random: &random))
        case .failed(.backingOff, _, _):
            break
        case .failed:
            let retryAfter = hints.retryAfter.map(TimeInterval.init)
            let deadline = outcome.factsInPlace.map { RefreshSchedule.deadline($0, timing: timing) }
            state.recordFailure(at: moment) { failures in
                RefreshSchedule.retry(
                    afterFailures: failures, retryAfter: retryAfter, at: moment, timing: timing,
                    deadline: deadline, random: &random)
            }
        case .nothingToStaple, .busy, .lockHeld:
            break
        }
    }

    /// The hook runs only when the file changed: written or removed.
    func runHook(after outcome: RefreshOutcome, job: RefreshJob) {
        guard let hook = job.hook, !hook.arguments.isEmpty else { return }
        let change: (status: String, expiry: Date?)
        switch outcome {
        case .stapled(let staple, _): change = ("good", staple.effectiveExpiry)
        case .revoked(let staple, written: true, _): change = ("revoked", staple?.effectiveExpiry)
        case .revoked(_, written: false, removed: true): change = ("removed", nil)
        case .failed(_, _, removed: .some): change = ("removed", nil)
        default: return
        }
        let result = HookRunner.run(
            hook, environment: HookRunner.environment(job: job, status: change.status, effectiveExpiry: change.expiry),
            cancellation: cancellation, log: { logger.warning("\($0)") })
        let command = hook.arguments.joined(separator: " ")
        switch result {
        case .succeeded: logger.debug("hook for \(job.outputPath) succeeded: \(command)")
        case .failed(let status): logger.error("the hook for \(job.outputPath) exited \(status): \(command); the staple stays as written")
        case .timedOut:
            logger.error("the hook for \(job.outputPath) did not finish within \(Int(hook.timeout)) s and was stopped: \(command)")
        case .couldNotStart(let reason): logger.error("the hook for \(job.outputPath) could not start: \(reason): \(command)")
        case .stoppedAtShutdown, .notStartedAtShutdown:
            logger.error("\(HookRunner.shutdownMessage(result, output: job.outputPath, command: command))")
        }
    }
}
