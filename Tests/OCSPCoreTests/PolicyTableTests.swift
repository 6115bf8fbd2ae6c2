import Foundation
import Testing

@testable import OCSPCore

/// `TargetPolicy`, `StapleReplacement` and the daemon's wake rule as tables on synthetic
/// facts at a fixed date (the targets table of docs/how-it-works.md).
@Suite struct PolicyTableTests {
    typealias P = SyntheticProof
    static let now = P.now

    struct RefusalRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let proof: ProofFacts
        let expected: TargetRefusal?
        var description: String { rule }
    }

    static let refusalRows: [RefusalRow] = [
        RefusalRow(rule: "exim accepts a good proof", target: .exim, proof: P.proof(), expected: nil),
        RefusalRow(rule: "exim refuses a revoked proof", target: .exim, proof: P.proof(P.revoked), expected: .revokedNotServed),
        RefusalRow(rule: "exim refuses a hold", target: .exim, proof: P.proof(P.hold), expected: .revokedNotServed),
        RefusalRow(
            rule: "exim refuses our SingleResponse not first", target: .exim, proof: P.proof(singleIndex: 2, singleResponseCount: 3),
            expected: .notFirstSingleResponse(index: 2)),
        RefusalRow(
            rule: "exim accepts our SingleResponse first among others", target: .exim, proof: P.proof(singleResponseCount: 3), expected: nil
        ),
        RefusalRow(
            rule: "exim refuses a proof at its expiry margin", target: .exim, proof: P.proof(left: 300),
            expected: .tooLittleTimeLeft(seconds: 300, minimum: 300)),
        RefusalRow(rule: "exim accepts a proof just outside the margin", target: .exim, proof: P.proof(left: 301), expected: nil),
        RefusalRow(rule: "nginx accepts a revoked proof", target: .nginx, proof: P.proof(P.revoked), expected: nil),
        RefusalRow(
            rule: "nginx accepts our answer anywhere", target: .nginx,
            proof: P.proof(singleIndex: 1, singleResponseCount: 2, hash: "sha256"),
            expected: nil),
        RefusalRow(rule: "nginx accepts a proof with seconds left", target: .nginx, proof: P.proof(left: 10), expected: nil),
        RefusalRow(rule: "haproxy accepts a revoked proof", target: .haproxy, proof: P.proof(P.revoked), expected: nil),
        RefusalRow(
            rule: "haproxy refuses more than one SingleResponse", target: .haproxy, proof: P.proof(singleResponseCount: 2),
            expected: .multipleSingleResponses(2)),
        RefusalRow(
            rule: "haproxy refuses a non-SHA-1 CertID", target: .haproxy, proof: P.proof(hash: "sha256"), expected: .nonSHA1CertID("sha256")
        ),
        RefusalRow(
            rule: "haproxy refuses under 300 s left", target: .haproxy, proof: P.proof(left: 299),
            expected: .tooLittleTimeLeft(seconds: 299, minimum: 300)),
        RefusalRow(rule: "haproxy accepts exactly 300 s left", target: .haproxy, proof: P.proof(left: 300), expected: nil),
        RefusalRow(
            rule: "generic refuses nothing", target: .generic,
            proof: P.proof(P.revoked, singleIndex: 1, singleResponseCount: 2, hash: "sha256"),
            expected: nil),
    ]

    @Test(arguments: refusalRows)
    func whatEachTargetRefusesToServe(row: RefusalRow) {
        #expect(P.policy(row.target).refusal(of: row.proof.facts, at: Self.now) == row.expected, "\(row.rule)")
    }

    struct RemovalRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let onDisk: OnDiskFacts
        let expected: RemovalReason?
        var description: String { rule }
    }

    static let removalRows: [RemovalRow] = {
        var rows: [RemovalRow] = []
        let cases: [(String, OnDiskFacts)] = [
            ("missing", .missing), ("unreadable", .unreadable("denied")), ("a valid good staple", .valid(P.proof())),
            ("a revoked staple", .valid(P.proof(P.revoked))), ("a staple within the margin", .valid(P.proof(left: 100))),
            ("a staple for another certificate", .foreign), ("an expired staple", .expired), ("not a usable proof", .unusable("empty")),
        ]
        let expected: [Target: [RemovalReason?]] = [
            .exim: [
                nil, nil, nil, .revoked, .refused(.tooLittleTimeLeft(seconds: 100, minimum: 300)), .forAnotherCertificate, .expired,
                .unusable("empty"),
            ],
            .nginx: Array(repeating: nil, count: cases.count),
            .haproxy: [nil, nil, nil, nil, nil, .forAnotherCertificate, .expired, nil],
            .generic: Array(repeating: nil, count: cases.count),
        ]
        for target in Target.allCases {
            for (index, (name, onDisk)) in cases.enumerated() {
                let reason = expected[target]?[index] ?? nil
                let verb = reason == nil ? "keeps" : "removes"
                rows.append(RemovalRow(rule: "\(target) \(verb) \(name)", target: target, onDisk: onDisk, expected: reason))
            }
        }
        return rows
    }()

    @Test(arguments: removalRows)
    func whatEachTargetRemovesWhenNothingReplacesIt(row: RemovalRow) {
        #expect(P.policy(row.target).removalReason(for: row.onDisk, at: Self.now) == row.expected, "\(row.rule)")
    }

    struct ReplacementRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let fetched: ProofFacts
        var size = 2000
        var onDisk: OnDiskFacts = .missing
        var onDiskSize: Int? = nil
        var sameBytes = false
        var revocationSeen = false
        let expected: StapleReplacement.Decision
        var description: String { rule }
    }

    static let replacementRows: [ReplacementRow] = [
        ReplacementRow(rule: "nothing in place: write", target: .exim, fetched: P.proof(), expected: .write),
        ReplacementRow(
            rule: "the same bytes: identical", target: .nginx, fetched: P.proof(), onDisk: .valid(P.proof()), onDiskSize: 2000,
            sameBytes: true,
            expected: .identical),
        ReplacementRow(
            rule: "an older proof than the one in place: keep the newer", target: .nginx, fetched: P.proof(age: 3 * P.day),
            onDisk: .valid(P.proof()), onDiskSize: 2000, expected: .keepNewer),
        ReplacementRow(
            rule: "a thisUpdate tie: the later producedAt wins", target: .nginx, fetched: P.proof(producedAfterThisUpdate: 10),
            onDisk: .valid(P.proof()), onDiskSize: 2000, expected: .write),
        ReplacementRow(
            rule: "good after a seen revocation: refused", target: .nginx, fetched: P.proof(), revocationSeen: true,
            expected: .refuse(.goodAfterRevoked)),
        ReplacementRow(
            rule: "good after a revoked proof in place: refused", target: .nginx, fetched: P.proof(age: 0),
            onDisk: .valid(P.proof(P.revoked)), onDiskSize: 2000, expected: .refuse(.goodAfterRevoked)),
        ReplacementRow(
            rule: "a seen revocation does not refuse a revoked proof", target: .nginx, fetched: P.proof(P.revoked), revocationSeen: true,
            expected: .write),
        ReplacementRow(
            rule: "the target's refusal comes before the size", target: .exim, fetched: P.proof(P.revoked), size: 20_000,
            expected: .refuse(.target(.revokedNotServed))),
        ReplacementRow(
            rule: "over the size limit: refused", target: .haproxy, fetched: P.proof(), size: 20_000,
            expected: .refuse(.tooLarge(StapleTooLarge(size: 20_000, limit: StapleSizeLimit.bytes)))),
        ReplacementRow(
            rule: "an in-place staple over the size limit is replaced by an older one", target: .exim, fetched: P.proof(age: 3 * P.day),
            onDisk: .valid(P.proof()), onDiskSize: 17_000, expected: .write),
        ReplacementRow(
            rule: "a foreign staple is replaced", target: .exim, fetched: P.proof(), onDisk: .foreign, onDiskSize: 2000, expected: .write),
    ]

    @Test(arguments: replacementRows)
    func whetherAVerifiedProofReplacesTheFile(row: ReplacementRow) {
        let decision = StapleReplacement.decide(
            fetched: row.fetched, size: row.size, onDisk: row.onDisk, onDiskSize: row.onDiskSize, sameBytesOnDisk: row.sameBytes,
            revocationSeen: row.revocationSeen, policy: P.policy(row.target), at: Self.now)
        #expect(decision == row.expected, "\(row.rule)")
    }

    struct WakeRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let outcome: RefreshOutcome
        let nextAttempt: TimeInterval?
        let expected: TimeInterval
        var description: String { rule }
    }

    static let watchInterval: TimeInterval = 300

    static func unchanged(left: TimeInterval) -> RefreshOutcome {
        .unchanged(P.proof(left: left).facts, reason: .fresh)
    }

    static let wakeRows: [WakeRow] = [
        WakeRow(rule: "the next attempt", target: .nginx, outcome: unchanged(left: 6 * P.day), nextAttempt: 3600, expected: 3600),
        WakeRow(
            rule: "no next attempt: the next chain check", target: .nginx,
            outcome: .failed(.backingOff(until: "", failures: 1), stapleOnDisk: nil, removed: nil),
            nextAttempt: nil, expected: watchInterval),
        WakeRow(
            rule: "Exim: the removal time comes first while the responder is down", target: .exim, outcome: unchanged(left: 1000),
            nextAttempt: 3600, expected: 700),
        WakeRow(
            rule: "HAProxy: 300 s before the effective expiry", target: .haproxy, outcome: unchanged(left: 1000), nextAttempt: 3600,
            expected: 700),
        WakeRow(rule: "nginx has no removal time", target: .nginx, outcome: unchanged(left: 1000), nextAttempt: 3600, expected: 3600),
        WakeRow(
            rule: "a removal time already past does not hold the daemon awake", target: .exim, outcome: unchanged(left: 100),
            nextAttempt: 3600, expected: 3600),
        WakeRow(
            rule: "never sooner than a second from now", target: .nginx, outcome: unchanged(left: P.day), nextAttempt: -50, expected: 1),
        WakeRow(
            rule: "a lock held by another: the next chain check", target: .nginx, outcome: .lockHeld(lock: "/x", stapleOnDisk: nil),
            nextAttempt: 10, expected: watchInterval),
        WakeRow(
            rule: "shutdown began first: the next chain check", target: .nginx, outcome: .busy, nextAttempt: 10, expected: watchInterval),
    ]

    @Test(arguments: wakeRows)
    func whenTheDaemonWakesForAStaple(row: WakeRow) {
        let refreshed = Refreshed(outcome: row.outcome, nextAttempt: row.nextAttempt.map { Self.now.addingTimeInterval($0) })
        let wake = DaemonState.wake(after: refreshed, policy: P.policy(row.target), watchInterval: Self.watchInterval, at: Self.now)
        #expect(wake == Self.now.addingTimeInterval(row.expected), "\(row.rule)")
    }
}
