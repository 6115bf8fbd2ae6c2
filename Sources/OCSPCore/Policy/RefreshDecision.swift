import Foundation

/// The decisions of one refresh, as pure functions of facts at one moment. The refresher
/// gathers the facts (the file on disk, the state, the revocation records, the responders'
/// answers), calls these at the three natural stages, and carries out what they return:
///
/// 1. before any request: `revokedGoodStaple` (Exim's good staple for a certificate known
///    revoked), then `beforeFetch` (expired leaf, fresh, backing off, or fetch);
/// 2. after each verified answer: `afterAnswer` (write, identical, keep the newer one,
///    report the revocation, or try the next responder);
/// 3. when no answer could be used: `whenNothingReplaces` (the target's removal rule), then,
///    once the removal was tried, `afterFailure` (the outcome and its exit code).
public enum RefreshDecision {}

/// What a refresh knows before it asks a responder.
public struct RefreshFacts: Sendable, Hashable {
    /// The staple file as judged now (after any removal of Exim's good staple for a
    /// certificate known revoked).
    public var onDisk: OnDiskFacts
    public var revocation: RevocationBelief
    public var policy: TargetPolicy
    /// `--force`: fetch even when fresh, and ignore the backoff.
    public var force: Bool
    /// The configured forms keep to the stored plan and its backoff; `refresh --output` does not.
    public var followsSchedule: Bool
    /// The state's last attempt was for this certificate (backoff and plans belong to it).
    public var sameCertificate: Bool
    public var consecutiveFailures: Int
    /// The stored plan, once plans no run at `now` could have made were dropped (`StoredPlan`).
    public var nextAttempt: Date?
    public var leafNotAfter: Date
    public var now: Date

    public init(
        onDisk: OnDiskFacts, revocation: RevocationBelief = .notRevoked, policy: TargetPolicy, force: Bool = false,
        followsSchedule: Bool = false, sameCertificate: Bool = true, consecutiveFailures: Int = 0, nextAttempt: Date? = nil,
        leafNotAfter: Date, now: Date
    ) {
        self.onDisk = onDisk
        self.revocation = revocation
        self.policy = policy
        self.force = force
        self.followsSchedule = followsSchedule
        self.sameCertificate = sameCertificate
        self.consecutiveFailures = consecutiveFailures
        self.nextAttempt = nextAttempt
        self.leafNotAfter = leafNotAfter
        self.now = now
    }
}

extension RefreshDecision {
    /// What to do with Exim's good staple when the certificate is known revoked.
    public enum RevokedGoodStaple: Equatable, Sendable {
        /// A verified record proves the revocation: remove the staple and report it (exit 3);
        /// no request can help.
        case removeAndReportRevoked
        /// Only an older ocspd's state says so: remove the staple and ask the responder for
        /// the proof, as if the file were missing.
        case removeAndFetchAsIfMissing
    }

    /// Exim gets neither a good proof for a revoked certificate (revocation is final) nor a
    /// revoked one (it refuses STARTTLS with it): its good staple goes before anything else.
    public static func revokedGoodStaple(onDisk: OnDiskFacts, revocation: RevocationBelief, policy: TargetPolicy)
        -> RevokedGoodStaple?
    {
        guard revocation.isRevoked, policy.target == .exim, onDisk.validProof?.status == .good else { return nil }
        return revocation == .proven ? .removeAndReportRevoked : .removeAndFetchAsIfMissing
    }

    /// What a refresh does before asking anyone.
    public enum BeforeFetch: Equatable, Sendable {
        /// The leaf expired: no responder can help (renew it).
        case leafExpired
        /// The staple in place is good for the target and not yet due: no request.
        case fresh(until: Date)
        /// The configured forms back off after failures, for the same certificate only.
        case backingOff(until: Date, failures: Int)
        case fetch
    }

    public static func beforeFetch(_ facts: RefreshFacts) -> BeforeFetch {
        if facts.now > facts.leafNotAfter { return .leafExpired }
        // A good proof for a certificate known revoked is never "fresh": it is asked about again.
        if !facts.force, let staple = facts.onDisk.validProof, !(facts.revocation.isRevoked && staple.status == .good),
            let due = RefreshSchedule.freshUntil(
                staple.facts, policy: facts.policy, followsSchedule: facts.followsSchedule,
                scheduled: facts.sameCertificate ? facts.nextAttempt : nil, at: facts.now)
        {
            return .fresh(until: due)
        }
        if !facts.force, facts.followsSchedule, facts.sameCertificate, facts.consecutiveFailures > 0,
            let next = facts.nextAttempt, facts.now < next
        {
            return .backingOff(until: next, failures: facts.consecutiveFailures)
        }
        return .fetch
    }
}
