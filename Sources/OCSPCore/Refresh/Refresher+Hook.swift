import Foundation
import Logging

/// After a refresh: run the hook if the file changed (the schedule is `RefreshSchedule.record`).
extension Refresher {
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
