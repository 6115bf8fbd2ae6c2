import Foundation

/// How the proof in place stands: the levels and reasons `ocspd check` prints.
extension StapleHealth {
    /// The proof on disk as `StapleOnDisk` found it.
    static func judge(
        _ onDisk: StapleOnDisk, leaf: LeafIdentity, job: RefreshJob, state: StapleState, at now: Date,
        warning: TimeInterval, critical: TimeInterval
    ) -> StapleHealth {
        let missingLevel: Level = leaf.mustStaple ? .critical : .warning
        let mustStapleNote = leaf.mustStaple ? " and the certificate demands stapling (Must-Staple)" : ""
        let failures = state.consecutiveFailures > 0 ? "; \(state.consecutiveFailures) failed refreshes in a row" : ""
        switch onDisk {
        case .missing:
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: missingLevel, reason: "no staple\(mustStapleNote)\(failures)")
        case .unreadable(let why), .unusable(let why):
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: missingLevel,
                reason: "the staple is not usable: \(why)\(mustStapleNote)")
        case .expired:
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: missingLevel,
                reason: "the staple has expired\(mustStapleNote)\(failures)")
        case .foreign:
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: .critical,
                reason: "the staple is for another certificate\(failures)")
        case .valid(let staple):
            return judge(staple.facts, leaf: leaf, job: job, state: state, at: now, warning: warning, critical: critical)
        }
    }

    /// A proof that verifies for the current certificate: how much time it has left, and
    /// whether the target serves it.
    static func judge(
        _ staple: StapleFacts, leaf: LeafIdentity, job: RefreshJob, state: StapleState, at now: Date,
        warning: TimeInterval, critical: TimeInterval
    ) -> StapleHealth {
        let missingLevel: Level = leaf.mustStaple ? .critical : .warning
        let failures = state.consecutiveFailures > 0 ? "; \(state.consecutiveFailures) failed refreshes in a row" : ""
        let left = staple.effectiveExpiry.timeIntervalSince(now)
        let leftText = InspectReport.duration(left)
        if staple.status.isOnHold {
            return StapleHealth(
                job: job, leaf: leaf, staple: staple, state: state, level: .critical,
                reason: "the certificate is REVOKED: on hold (certificateHold) until the CA lifts it")
        }
        if staple.status.isRevoked {
            return StapleHealth(job: job, leaf: leaf, staple: staple, state: state, level: .critical, reason: "the certificate is REVOKED")
        }
        if let refusal = job.policy.refusal(of: staple, at: now) {
            return StapleHealth(
                job: job, leaf: leaf, staple: staple, state: state, level: missingLevel,
                reason: "\(job.policy.target) will not serve it: \(refusal)")
        }
        if left < critical {
            return StapleHealth(job: job, leaf: leaf, staple: staple, state: state, level: .critical, reason: "\(leftText)\(failures)")
        }
        if left < warning {
            return StapleHealth(job: job, leaf: leaf, staple: staple, state: state, level: .warning, reason: "\(leftText)\(failures)")
        }
        return StapleHealth(job: job, leaf: leaf, staple: staple, state: state, level: .ok, reason: "\(leftText)\(failures)")
    }
}
