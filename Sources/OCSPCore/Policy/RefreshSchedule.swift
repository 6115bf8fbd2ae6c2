import Foundation

/// When a staple is due for a refresh. Pure: the staple, the policy and nothing else.
public enum RefreshSchedule {
    /// Halfway through the effective validity (certmagic's rule, which leaves half the window
    /// for retries), and never later than the target's removal margin.
    public static func due(_ staple: VerifiedStaple, policy: TargetPolicy) -> Date {
        let halfway = staple.halfLife
        guard policy.target == .exim else { return halfway }
        return min(halfway, staple.effectiveExpiry.addingTimeInterval(-policy.expiryMargin))
    }
}
