import Foundation

/// Whether times kept in the state folder by an earlier run can still be believed. They
/// were computed from that run's clock; a run under a clock 30 days ahead leaves a plan 30
/// days ahead, and trusting it would leave an expiring staple alone for a month. Pure.
///
/// Every rule that plans a next attempt (`RefreshSchedule`) stays within `latestCredible`
/// of the moment it runs: a scheduled refresh within the deadline of the proof in place; a
/// retry within `backoff-max`, or a `Retry-After` within the proof's deadline. A stored plan
/// beyond that bound, measured from now, cannot have been made under this clock and is
/// dropped; the schedule then plans again from the proof in place.
public enum StoredPlan {
    /// The latest next attempt any rule could produce at `now` with `proofInPlace` on disk.
    public static func latestCredible(proofInPlace: StapleFacts?, at now: Date, timing: Timing) -> Date {
        let longestDelay = max(timing.backoffMaximum, timing.backoffMinimum, timing.minimumInterval)
        let latest = now.addingTimeInterval(longestDelay)
        guard let proofInPlace else { return latest }
        return max(latest, RefreshSchedule.deadline(proofInPlace, timing: timing))
    }

    /// `stored`, if a run at `now` could have planned it; nil (plan again) otherwise.
    public static func credible(_ stored: Date?, proofInPlace: StapleFacts?, at now: Date, timing: Timing) -> Date? {
        guard let stored, stored <= latestCredible(proofInPlace: proofInPlace, at: now, timing: timing) else { return nil }
        return stored
    }

    /// A moment that has passed (the last success or attempt) recorded under a clock ahead of
    /// ours: it happened no later than now, so it counts as now.
    public static func past(_ stored: Date?, at now: Date) -> Date? {
        stored.map { min($0, now) }
    }
}
