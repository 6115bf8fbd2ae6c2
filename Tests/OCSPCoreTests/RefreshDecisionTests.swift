import Foundation
import Testing

@testable import OCSPCore

/// Synthetic proofs at a fixed date: the decisions never need a signature, only facts.
enum SyntheticProof {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400
    static let hold = CertStatus.revoked(time: now.addingTimeInterval(-2 * day), reason: .certificateHold)
    static let revoked = CertStatus.revoked(time: now.addingTimeInterval(-2 * day), reason: .keyCompromise)

    /// A proof issued `age` seconds ago that expires `left` seconds from now.
    static func proof(
        _ status: CertStatus = .good, age: TimeInterval = day, left: TimeInterval = 6 * day, singleIndex: Int = 0,
        singleResponseCount: Int = 1, hash: String = "sha1", producedAfterThisUpdate: TimeInterval = 0
    ) -> ProofFacts {
        let thisUpdate = now.addingTimeInterval(-age)
        let expiry = now.addingTimeInterval(left)
        let facts = StapleFacts(
            status: status, thisUpdate: thisUpdate, nextUpdate: expiry, effectiveExpiry: expiry, expiryLimit: .nextUpdate,
            singleIndex: singleIndex, singleResponseCount: singleResponseCount, certIDHashAlgorithm: hash)
        return ProofFacts(facts, producedAt: thisUpdate.addingTimeInterval(producedAfterThisUpdate))
    }

    static func policy(_ target: Target) -> TargetPolicy { TargetPolicy(target: target) }
}

/// `RefreshDecision` as a table: each row is a rule of docs/how-it-works.md (the targets table
/// and the rules under it) or docs/reliability.md, decided on synthetic facts at a fixed date.
@Suite struct RefreshDecisionTests {
    typealias P = SyntheticProof
    static let now = P.now
    static let day = P.day
    static let leafNotAfter = P.now.addingTimeInterval(90 * P.day)

    // MARK: Before fetching

    struct BeforeRow: Sendable, CustomStringConvertible {
        let rule: String
        let facts: RefreshFacts
        let expected: RefreshDecision.BeforeFetch
        var description: String { rule }
    }

    static func facts(
        _ onDisk: OnDiskFacts, _ target: Target = .exim, revocation: RevocationBelief = .notRevoked, force: Bool = false,
        followsSchedule: Bool = false, sameCertificate: Bool = true, failures: Int = 0, nextAttempt: TimeInterval? = nil,
        leafNotAfter: Date = leafNotAfter
    ) -> RefreshFacts {
        RefreshFacts(
            onDisk: onDisk, revocation: revocation, policy: P.policy(target), force: force, followsSchedule: followsSchedule,
            sameCertificate: sameCertificate, consecutiveFailures: failures, nextAttempt: nextAttempt.map { now.addingTimeInterval($0) },
            leafNotAfter: leafNotAfter, now: now)
    }

    /// thisUpdate a day ago, 6 days left: due halfway, 2.5 days from now.
    static let halfway = now.addingTimeInterval(2.5 * day)

    static let beforeRows: [BeforeRow] = [
        BeforeRow(
            rule: "fresh: a valid staple acceptable to the target and not yet due makes no request, until halfway",
            facts: facts(.valid(P.proof())), expected: .fresh(until: halfway)),
        BeforeRow(
            rule: "fresh: nginx, generic and haproxy are due halfway too", facts: facts(.valid(P.proof()), .nginx),
            expected: .fresh(until: halfway)),
        BeforeRow(
            rule: "fresh: for Exim never later than the expiry margin",
            facts: facts(.valid(P.proof(age: 100, left: 400)), .exim), expected: .fresh(until: now.addingTimeInterval(100))),
        BeforeRow(
            rule: "fresh: past halfway the staple is due", facts: facts(.valid(P.proof(age: 4 * day, left: 3 * day))), expected: .fetch),
        BeforeRow(rule: "--force fetches even when fresh", facts: facts(.valid(P.proof()), force: true), expected: .fetch),
        BeforeRow(
            rule: "a staple the target refuses is never fresh (Exim, within the margin)",
            facts: facts(.valid(P.proof(age: 6 * day, left: 200))), expected: .fetch),
        BeforeRow(
            rule: "a staple the target refuses is never fresh (HAProxy, two SingleResponses)",
            facts: facts(.valid(P.proof(singleResponseCount: 2)), .haproxy), expected: .fetch),
        BeforeRow(rule: "nothing on disk: fetch", facts: facts(.missing), expected: .fetch),
        BeforeRow(
            rule: "certificate renewal: a staple for another certificate is replaced at once, even while fresh",
            facts: facts(.foreign, .nginx), expected: .fetch),
        BeforeRow(rule: "an expired staple: fetch", facts: facts(.expired), expected: .fetch),
        BeforeRow(rule: "an unusable staple: fetch", facts: facts(.unusable("not OCSP")), expected: .fetch),
        BeforeRow(
            rule: "revocation is final: a good proof for a certificate known revoked is never fresh (proven)",
            facts: facts(.valid(P.proof()), .nginx, revocation: .proven), expected: .fetch),
        BeforeRow(
            rule: "revocation is final: an older ocspd's list asks the responder at once for the proof (unproven)",
            facts: facts(.valid(P.proof()), .nginx, revocation: .unproven), expected: .fetch),
        BeforeRow(
            rule: "a revoked proof in place (nginx) stays fresh for a certificate known revoked",
            facts: facts(.valid(P.proof(P.revoked)), .nginx, revocation: .proven), expected: .fresh(until: halfway)),
        BeforeRow(
            rule: "the configured forms keep to the stored plan for the same certificate",
            facts: facts(.valid(P.proof()), followsSchedule: true, nextAttempt: 3600), expected: .fresh(until: now.addingTimeInterval(3600))
        ),
        BeforeRow(
            rule: "the configured forms: a stored plan is capped by the target's removal time (Exim's margin)",
            facts: facts(.valid(P.proof(left: 4000)), followsSchedule: true, nextAttempt: 3900),
            expected: .fresh(until: now.addingTimeInterval(3700))),
        BeforeRow(
            rule: "the configured forms: a due plan fetches", facts: facts(.valid(P.proof()), followsSchedule: true, nextAttempt: -1),
            expected: .fetch),
        BeforeRow(
            rule: "refresh --output ignores the stored plan", facts: facts(.valid(P.proof(age: 4 * day, left: 3 * day)), nextAttempt: 3600),
            expected: .fetch),
        BeforeRow(
            rule: "the configured forms back off after failures for the same certificate",
            facts: facts(.missing, followsSchedule: true, failures: 2, nextAttempt: 600),
            expected: .backingOff(until: now.addingTimeInterval(600), failures: 2)),
        BeforeRow(
            rule: "a renewed certificate is tried at once, whatever the backoff",
            facts: facts(.missing, followsSchedule: true, sameCertificate: false, failures: 2, nextAttempt: 600), expected: .fetch),
        BeforeRow(
            rule: "--force ignores the backoff", facts: facts(.missing, force: true, followsSchedule: true, failures: 2, nextAttempt: 600),
            expected: .fetch),
        BeforeRow(
            rule: "refresh --output does not back off", facts: facts(.missing, failures: 2, nextAttempt: 600), expected: .fetch),
        BeforeRow(
            rule: "the backoff ends at its next attempt", facts: facts(.missing, followsSchedule: true, failures: 2, nextAttempt: 0),
            expected: .fetch),
        BeforeRow(
            rule: "expired leaf: exit 2, renew it (no request)", facts: facts(.valid(P.proof()), leafNotAfter: now.addingTimeInterval(-1)),
            expected: .leafExpired),
    ]

    @Test(arguments: beforeRows)
    func beforeFetching(row: BeforeRow) {
        #expect(RefreshDecision.beforeFetch(row.facts) == row.expected, "\(row.rule)")
    }

    struct RevokedGoodRow: Sendable, CustomStringConvertible {
        let rule: String
        let onDisk: OnDiskFacts
        let target: Target
        let revocation: RevocationBelief
        let expected: RefreshDecision.RevokedGoodStaple?
        var description: String { rule }
    }

    static let revokedGoodRows: [RevokedGoodRow] = [
        RevokedGoodRow(
            rule: "exim removes a good staple once the certificate is known revoked, without a request (proven: exit 3)",
            onDisk: .valid(P.proof()), target: .exim, revocation: .proven, expected: .removeAndReportRevoked),
        RevokedGoodRow(
            rule: "exim: an older ocspd's list removes the good staple and asks for the proof",
            onDisk: .valid(P.proof()), target: .exim, revocation: .unproven, expected: .removeAndFetchAsIfMissing),
        RevokedGoodRow(
            rule: "exim: a good staple for a certificate not known revoked stays", onDisk: .valid(P.proof()), target: .exim,
            revocation: .notRevoked, expected: nil),
        RevokedGoodRow(
            rule: "nginx removes nothing, ever (a known revocation is asked about instead)", onDisk: .valid(P.proof()), target: .nginx,
            revocation: .proven, expected: nil),
        RevokedGoodRow(
            rule: "haproxy keeps a good staple until the revoked proof replaces it", onDisk: .valid(P.proof()), target: .haproxy,
            revocation: .proven, expected: nil),
        RevokedGoodRow(
            rule: "exim: a hold in place is not a good staple", onDisk: .valid(P.proof(P.hold)), target: .exim, revocation: .proven,
            expected: nil),
        RevokedGoodRow(rule: "exim: no staple, nothing to remove", onDisk: .missing, target: .exim, revocation: .proven, expected: nil),
    ]

    @Test(arguments: revokedGoodRows)
    func goodStapleOfARevokedCertificate(row: RevokedGoodRow) {
        let decision = RefreshDecision.revokedGoodStaple(onDisk: row.onDisk, revocation: row.revocation, policy: P.policy(row.target))
        #expect(decision == row.expected, "\(row.rule)")
    }

    // MARK: After each verified answer

    struct AnswerRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let fetched: ProofFacts
        var size = 2000
        var sameBytes = false
        var onDisk: OnDiskFacts = .missing
        var onDiskSize: Int? = nil
        var revocationSeen = false
        let expected: RefreshDecision.AfterAnswer
        var description: String { rule }
    }

    static let tooLarge = StapleTooLarge(size: 20_000, limit: StapleSizeLimit.bytes)

    static let answerRows: [AnswerRow] = [
        // The targets table: what each writes.
        AnswerRow(rule: "exim writes good proofs", target: .exim, fetched: P.proof(), expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "exim refuses a revoked proof: exit 3, nothing written", target: .exim, fetched: P.proof(P.revoked),
            expected: .reportRevoked(.target(.revokedNotServed), withFetchedProof: true, removeGoodStaple: false)),
        AnswerRow(
            rule: "exim refuses a revoked proof and removes the good staple in place", target: .exim, fetched: P.proof(P.revoked),
            onDisk: .valid(P.proof(age: 2 * day)), onDiskSize: 2000,
            expected: .reportRevoked(.target(.revokedNotServed), withFetchedProof: true, removeGoodStaple: true)),
        AnswerRow(
            rule: "exim refuses our SingleResponse when it is not first", target: .exim,
            fetched: P.proof(singleIndex: 1, singleResponseCount: 2),
            expected: .tryNext(.target(.notFirstSingleResponse(index: 1)))),
        AnswerRow(
            rule: "exim refuses a proof within the expiry margin", target: .exim, fetched: P.proof(left: 200),
            expected: .tryNext(.target(.tooLittleTimeLeft(seconds: 200, minimum: 300)))),
        AnswerRow(
            rule: "exim refuses a proof over 16380 bytes", target: .exim, fetched: P.proof(), size: 20_000,
            expected: .tryNext(.tooLarge(tooLarge))),
        AnswerRow(rule: "nginx writes good proofs", target: .nginx, fetched: P.proof(), expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "nginx writes revoked proofs (exit 3)", target: .nginx, fetched: P.proof(P.revoked),
            expected: .write(revoked: true, sizeWarning: nil)),
        AnswerRow(
            rule: "nginx refuses a proof over 16380 bytes", target: .nginx, fetched: P.proof(), size: 20_000,
            expected: .tryNext(.tooLarge(tooLarge))),
        AnswerRow(
            rule: "nginx writes our answer next to others", target: .nginx, fetched: P.proof(singleIndex: 1, singleResponseCount: 2),
            expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "haproxy writes good proofs", target: .haproxy, fetched: P.proof(), expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "haproxy writes revoked proofs", target: .haproxy, fetched: P.proof(P.revoked),
            expected: .write(revoked: true, sizeWarning: nil)),
        AnswerRow(
            rule: "haproxy refuses more than one SingleResponse", target: .haproxy, fetched: P.proof(singleResponseCount: 2),
            expected: .tryNext(.target(.multipleSingleResponses(2)))),
        AnswerRow(
            rule: "haproxy refuses a non-SHA-1 CertID", target: .haproxy, fetched: P.proof(hash: "sha256"),
            expected: .tryNext(.target(.nonSHA1CertID("sha256")))),
        AnswerRow(
            rule: "haproxy refuses a proof with under 300 s left", target: .haproxy, fetched: P.proof(left: 299),
            expected: .tryNext(.target(.tooLittleTimeLeft(seconds: 299, minimum: 300)))),
        AnswerRow(
            rule: "haproxy refuses a revoked proof it cannot serve: still exit 3", target: .haproxy,
            fetched: P.proof(P.revoked, singleResponseCount: 2),
            expected: .reportRevoked(.target(.multipleSingleResponses(2)), withFetchedProof: true, removeGoodStaple: false)),
        AnswerRow(
            rule: "haproxy refuses a proof over 16380 bytes", target: .haproxy, fetched: P.proof(), size: 20_000,
            expected: .tryNext(.tooLarge(tooLarge))),
        AnswerRow(
            rule: "generic writes good proofs", target: .generic, fetched: P.proof(), expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "generic writes revoked proofs", target: .generic, fetched: P.proof(P.revoked),
            expected: .write(revoked: true, sizeWarning: nil)),
        AnswerRow(
            rule: "generic refuses nothing: over 16380 bytes it is written with a warning", target: .generic, fetched: P.proof(),
            size: 20_000,
            expected: .write(revoked: false, sizeWarning: tooLarge)),
        AnswerRow(
            rule: "a revoked proof over 16380 bytes is not written: still exit 3", target: .nginx, fetched: P.proof(P.revoked),
            size: 20_000,
            expected: .reportRevoked(.tooLarge(tooLarge), withFetchedProof: true, removeGoodStaple: false)),
        AnswerRow(
            rule: "generic writes our answer second or next to others", target: .generic,
            fetched: P.proof(singleIndex: 1, singleResponseCount: 2), expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "haproxy refuses our answer second (more than one SingleResponse)", target: .haproxy,
            fetched: P.proof(singleIndex: 1, singleResponseCount: 2), expected: .tryNext(.target(.multipleSingleResponses(2)))),
        // Revocation is final.
        AnswerRow(
            rule: "revocation is final: a good proof after a seen revoked one is refused, exit 3", target: .nginx, fetched: P.proof(),
            onDisk: .valid(P.proof(P.revoked, age: 2 * day)), onDiskSize: 2000,
            expected: .reportRevoked(.goodAfterRevoked, withFetchedProof: false, removeGoodStaple: false)),
        AnswerRow(
            rule: "revocation is final: a recorded revocation refuses a good proof and removes Exim's good staple", target: .exim,
            fetched: P.proof(), onDisk: .valid(P.proof(age: 2 * day)), onDiskSize: 2000, revocationSeen: true,
            expected: .reportRevoked(.goodAfterRevoked, withFetchedProof: false, removeGoodStaple: true)),
        AnswerRow(
            rule: "a revoked proof replaces a good one whatever their thisUpdate order", target: .nginx,
            fetched: P.proof(P.revoked, age: 3 * day),
            onDisk: .valid(P.proof(age: day)), onDiskSize: 2000, expected: .write(revoked: true, sizeWarning: nil)),
        AnswerRow(
            rule: "an older good proof never replaces a revoked one in place", target: .nginx, fetched: P.proof(age: 3 * day),
            onDisk: .valid(P.proof(P.revoked, age: day)), onDiskSize: 2000,
            expected: .reportRevoked(.goodAfterRevoked, withFetchedProof: false, removeGoodStaple: false)),
        // certificateHold.
        AnswerRow(
            rule: "a hold is acted on: nginx gets it as the staple (exit 3)", target: .nginx, fetched: P.proof(P.hold),
            expected: .write(revoked: true, sizeWarning: nil)),
        AnswerRow(
            rule: "a hold is acted on: Exim gets none, exit 3", target: .exim, fetched: P.proof(P.hold),
            expected: .reportRevoked(.target(.revokedNotServed), withFetchedProof: true, removeGoodStaple: false)),
        AnswerRow(
            rule: "a good proof newer than a hold replaces it", target: .nginx, fetched: P.proof(age: day),
            onDisk: .valid(P.proof(P.hold, age: 2 * day)), onDiskSize: 2000, expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "a good proof older than a hold does not replace it", target: .nginx, fetched: P.proof(age: 3 * day),
            onDisk: .valid(P.proof(P.hold, age: 2 * day)), onDiskSize: 2000, expected: .keepNewer),
        // Never downgrade.
        AnswerRow(
            rule: "never downgrade: a proof on disk with a later thisUpdate is kept", target: .nginx, fetched: P.proof(age: 2 * day),
            onDisk: .valid(P.proof(age: day)), onDiskSize: 2000, expected: .keepNewer),
        AnswerRow(
            rule: "never downgrade: on a thisUpdate tie, the later producedAt is kept", target: .nginx, fetched: P.proof(),
            onDisk: .valid(P.proof(producedAfterThisUpdate: 60)), onDiskSize: 2000, expected: .keepNewer),
        AnswerRow(
            rule: "a newer proof replaces the one in place", target: .exim, fetched: P.proof(age: 3600), onDisk: .valid(P.proof(age: day)),
            onDiskSize: 2000, expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "identical bytes are not rewritten, and are no failure", target: .exim, fetched: P.proof(), sameBytes: true,
            onDisk: .valid(P.proof()), onDiskSize: 2000, expected: .identical),
        AnswerRow(
            rule: "a staple in place the target refuses is replaced even by an older proof", target: .haproxy,
            fetched: P.proof(age: 2 * day),
            onDisk: .valid(P.proof(age: day, singleResponseCount: 2)), onDiskSize: 2000, expected: .write(revoked: false, sizeWarning: nil)),
        // Size.
        AnswerRow(
            rule: "size: a staple on disk over the limit is replaced even by an older proof that fits", target: .nginx,
            fetched: P.proof(age: 2 * day), onDisk: .valid(P.proof(age: day)), onDiskSize: 20_000,
            expected: .write(revoked: false, sizeWarning: nil)),
        // Certificate renewal.
        AnswerRow(
            rule: "certificate renewal: a staple for another certificate is replaced", target: .nginx, fetched: P.proof(), onDisk: .foreign,
            onDiskSize: 2000, expected: .write(revoked: false, sizeWarning: nil)),
        AnswerRow(
            rule: "an expired or unusable staple is replaced", target: .exim, fetched: P.proof(), onDisk: .unusable("not OCSP"),
            onDiskSize: 10,
            expected: .write(revoked: false, sizeWarning: nil)),
    ]

    @Test(arguments: answerRows)
    func afterAVerifiedAnswer(row: AnswerRow) {
        let facts = AnswerFacts(proof: row.fetched, size: row.size, sameBytesOnDisk: row.sameBytes)
        let decision = RefreshDecision.afterAnswer(
            facts, onDisk: row.onDisk, onDiskSize: row.onDiskSize, revocationSeen: row.revocationSeen, policy: P.policy(row.target),
            at: Self.now)
        #expect(decision == row.expected, "\(row.rule)")
    }

    // MARK: When no acceptable proof can be had

    struct FailureRow: Sendable, CustomStringConvertible {
        let rule: String
        let target: Target
        let onDisk: OnDiskFacts
        var knownRevoked = false
        let removal: RemovalReason?
        var foreignStapleStays = false
        let outcome: RefreshDecision.AfterFailure
        var description: String { rule }
    }

    static let failureRows: [FailureRow] = [
        FailureRow(
            rule: "exim removes a revoked staple", target: .exim, onDisk: .valid(P.proof(P.revoked)), removal: .revoked,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "exim removes a staple for another certificate", target: .exim, onDisk: .foreign, removal: .forAnotherCertificate,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "exim removes an expired staple", target: .exim, onDisk: .expired, removal: .expired, outcome: .failed(stapleStays: false)
        ),
        FailureRow(
            rule: "exim removes a staple within the margin", target: .exim, onDisk: .valid(P.proof(left: 200)),
            removal: .refused(.tooLittleTimeLeft(seconds: 200, minimum: 300)), outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "exim removes what is not a usable proof", target: .exim, onDisk: .unusable("not OCSP"), removal: .unusable("not OCSP"),
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "exim keeps a valid good staple: exit 1", target: .exim, onDisk: .valid(P.proof()), removal: nil,
            outcome: .failed(stapleStays: true)),
        FailureRow(
            rule: "exim: no staple and nothing removed: exit 2", target: .exim, onDisk: .missing, removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "exim: an unreadable file is not removed", target: .exim, onDisk: .unreadable("permission denied"), removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "nginx removes nothing, ever: a staple for a previous certificate stays and the error says so", target: .nginx,
            onDisk: .foreign, removal: nil, foreignStapleStays: true, outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "nginx removes nothing, ever: not an expired staple", target: .nginx, onDisk: .expired, removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "nginx removes nothing, ever: not an unusable one", target: .nginx, onDisk: .unusable("empty"), removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "nginx keeps a valid staple: exit 1", target: .nginx, onDisk: .valid(P.proof()), removal: nil,
            outcome: .failed(stapleStays: true)),
        FailureRow(
            rule: "haproxy removes an expired staple", target: .haproxy, onDisk: .expired, removal: .expired,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "haproxy removes a staple for another certificate", target: .haproxy, onDisk: .foreign, removal: .forAnotherCertificate,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "haproxy keeps an unusable file", target: .haproxy, onDisk: .unusable("empty"), removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "haproxy: a staple with under 300 s left stays but is not servable: exit 2", target: .haproxy,
            onDisk: .valid(P.proof(left: 200)), removal: nil, outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "generic removes nothing", target: .generic, onDisk: .foreign, removal: nil, outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "generic removes nothing: not an expired staple", target: .generic, onDisk: .expired, removal: nil,
            outcome: .failed(stapleStays: false)),
        FailureRow(
            rule: "a certificate known revoked with the responder down, good staple in place (nginx): exit 3, not 1", target: .nginx,
            onDisk: .valid(P.proof()), knownRevoked: true, removal: nil, outcome: .revoked(revokedProofInPlace: false)),
        FailureRow(
            rule: "a certificate known revoked, its revoked proof in place (nginx): that proof stays", target: .nginx,
            onDisk: .valid(P.proof(P.revoked)), knownRevoked: true, removal: nil, outcome: .failed(stapleStays: true)),
        FailureRow(
            rule: "a certificate known revoked, a hold in place (nginx): exit 3 with the hold", target: .nginx,
            onDisk: .valid(P.proof(P.hold)), knownRevoked: true, removal: nil, outcome: .revoked(revokedProofInPlace: true)),
        FailureRow(
            rule: "a certificate known revoked, no staple: exit 3", target: .exim, onDisk: .missing, knownRevoked: true, removal: nil,
            outcome: .revoked(revokedProofInPlace: false)),
    ]

    @Test(arguments: failureRows)
    func whenNoAcceptableProofCanBeHad(row: FailureRow) {
        let policy = P.policy(row.target)
        let plan = RefreshDecision.whenNothingReplaces(onDisk: row.onDisk, policy: policy, at: Self.now)
        #expect(plan.removal == row.removal, "\(row.rule)")
        #expect(plan.foreignStapleStays == row.foreignStapleStays, "\(row.rule)")
        let outcome = RefreshDecision.afterFailure(
            onDisk: row.onDisk, removed: plan.removal != nil, knownRevoked: row.knownRevoked, policy: policy, at: Self.now)
        #expect(outcome == row.outcome, "\(row.rule)")
    }
}
