import Foundation
import Testing

@testable import OCSPCore

/// A seeded generator (SplitMix64): the same draws every run, different for every seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Stored plans judged against the proof in place, as a pure function of the clock.
@Suite struct ClockStepTableTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400

    static func proof(thisUpdate: TimeInterval, expiry: TimeInterval) -> StapleFacts {
        StapleFacts(
            status: .good, thisUpdate: t0.addingTimeInterval(thisUpdate), nextUpdate: t0.addingTimeInterval(expiry),
            effectiveExpiry: t0.addingTimeInterval(expiry), expiryLimit: .nextUpdate, singleIndex: 0,
            singleResponseCount: 1, certIDHashAlgorithm: "sha1")
    }

    struct Row: Sendable, CustomStringConvertible {
        let name: String
        let proof: StapleFacts?
        let stored: TimeInterval
        let kept: Bool
        var description: String { name }
    }

    /// A 7-day proof, one day old: its deadline is expiry − 16.8 h, about 5.3 days from now.
    static let week = proof(thisUpdate: -day, expiry: 6 * day)
    /// A proof that expires tomorrow.
    static let tomorrow = proof(thisUpdate: -6 * day, expiry: day)

    static let rows: [Row] = [
        Row(name: "a scheduled refresh before the deadline is kept", proof: week, stored: 2 * day, kept: true),
        Row(name: "a plan made under a clock 30 days ahead is dropped", proof: week, stored: 30 * day, kept: false),
        Row(name: "a plan past the proof's deadline is dropped", proof: week, stored: 5.5 * day, kept: false),
        Row(name: "a proof expiring tomorrow: a plan for next week is dropped", proof: tomorrow, stored: 7 * day, kept: false),
        Row(name: "a proof expiring tomorrow: a retry within backoff-max is kept", proof: tomorrow, stored: 3000, kept: true),
        Row(name: "no proof in place: a retry within backoff-max is kept", proof: nil, stored: 3599, kept: true),
        Row(name: "no proof in place: a plan beyond backoff-max is dropped", proof: nil, stored: 7200, kept: false),
        Row(name: "a plan in the past is kept: it is due now", proof: week, stored: -3600, kept: true),
    ]

    @Test(arguments: rows)
    func storedPlanIsKeptOnlyIfARunNowCouldHaveMadeIt(row: Row) {
        let stored = Self.t0.addingTimeInterval(row.stored)
        let credible = StoredPlan.credible(stored, proofInPlace: row.proof, at: Self.t0, timing: Timing())
        #expect((credible == stored) == row.kept, "\(row.name)")
        #expect(credible == nil || credible == stored)
    }

    @Test func lastSuccessInTheFutureCountsAsNow() {
        var state = StapleState(outputPath: "/x")
        state.lastSuccess = Self.t0.addingTimeInterval(30 * Self.day)
        state.lastAttempt = Self.t0.addingTimeInterval(30 * Self.day)
        state.nextAttempt = Self.t0.addingTimeInterval(30 * Self.day)
        state.discardIncrediblePlans(proofInPlace: Self.week, at: Self.t0, timing: Timing())
        #expect(state.lastSuccess == Self.t0)
        #expect(state.lastAttempt == Self.t0)
        #expect(state.nextAttempt == nil)
    }

    /// Every plan the schedule can produce passes the credibility check it is later judged by.
    @Test func everyPlanTheScheduleMakesIsCredible() {
        var random = SeededRandom(seed: 7)
        let timing = Timing()
        for seed in 0..<200 {
            _ = seed
            let failures = Int(random.next() % 12) + 1
            let retryAfter = TimeInterval(random.next() % 40) * 3600
            let retry = RefreshSchedule.retry(
                afterFailures: failures, retryAfter: retryAfter, at: Self.t0, timing: timing,
                deadline: RefreshSchedule.deadline(Self.week, timing: timing), random: &random)
            #expect(StoredPlan.credible(retry, proofInPlace: Self.week, at: Self.t0, timing: timing) != nil)
            let next = RefreshSchedule.nextRefresh(after: Self.week, lastSuccess: Self.t0, timing: timing, random: &random)
            #expect(StoredPlan.credible(next, proofInPlace: Self.week, at: Self.t0, timing: timing) != nil)
            let same = RefreshSchedule.retrySameProof(
                deadline: RefreshSchedule.deadline(Self.tomorrow, timing: timing),
                maxAge: retryAfter, at: Self.t0, timing: timing, random: &random)
            #expect(StoredPlan.credible(same, proofInPlace: Self.tomorrow, at: Self.t0, timing: timing) != nil)
        }
    }
}

/// Retries after every failure kind are spread per certificate (full jitter), never in lockstep.
@Suite struct RetrySpreadTableTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    struct Row: Sendable, CustomStringConvertible {
        let name: String
        let failures: Int
        let retryAfter: TimeInterval?
        let deadlineIn: TimeInterval?
        /// Where every draw must fall, in seconds from now.
        let range: ClosedRange<TimeInterval>
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "first failure: 1 to 2 minutes", failures: 1, retryAfter: nil, deadlineIn: nil, range: 60...120),
        Row(name: "third failure: 1 to 5 minutes", failures: 3, retryAfter: nil, deadlineIn: nil, range: 60...300),
        Row(name: "many failures: 1 minute to backoff-max", failures: 30, retryAfter: nil, deadlineIn: nil, range: 60...3600),
        Row(
            name: "Retry-After 120 (503, tryLater): after it, over the backoff window", failures: 1, retryAfter: 120, deadlineIn: nil,
            range: 120...180),
        Row(
            name: "Retry-After of a week, proof deadline in 2 days: within the deadline", failures: 1, retryAfter: 7 * 86400,
            deadlineIn: 2 * 86400, range: (2 * 86400 - 60)...(2 * 86400)),
        Row(
            name: "Retry-After of a week, no proof in place: within backoff-max", failures: 1, retryAfter: 7 * 86400, deadlineIn: nil,
            range: 3540...3600),
    ]

    @Test(arguments: rows)
    func twentyStaplesGetDistinctRetriesInsideTheWindow(row: Row) {
        var random = SeededRandom(seed: 12)
        let deadline = row.deadlineIn.map { t0.addingTimeInterval($0) }
        let delays = (0..<20).map { _ in
            RefreshSchedule.retry(
                afterFailures: row.failures, retryAfter: row.retryAfter, at: t0, timing: Timing(),
                deadline: deadline, random: &random
            ).timeIntervalSince(t0)
        }
        #expect(delays.allSatisfy { row.range.contains($0) }, "\(row.name): \(delays)")
        #expect(Set(delays.map { Int($0) }).count >= 15, "\(row.name): retries bunch up: \(delays.sorted())")
        let spread = (delays.max() ?? 0) - (delays.min() ?? 0)
        #expect(spread >= 0.5 * (row.range.upperBound - row.range.lowerBound), "\(row.name): spread only \(spread) s")
    }

    @Test func revokedCertificatesAreAskedAgainInTheLastTenthOfBackoffMaxSpreadOut() {
        var random = SeededRandom(seed: 5)
        let delays = (0..<20).map { _ in RefreshSchedule.recheckRevoked(at: t0, timing: Timing(), random: &random).timeIntervalSince(t0) }
        #expect(delays.allSatisfy { (3240...3600).contains($0) })
        #expect(Set(delays.map { Int($0) }).count >= 15)
    }

    @Test func sameProofFromACDNIsAskedAgainSpreadOut() {
        var random = SeededRandom(seed: 3)
        let deadline = t0.addingTimeInterval(86400)
        let delays = (0..<20).map { _ in
            RefreshSchedule.retrySameProof(deadline: deadline, maxAge: 600, at: t0, timing: Timing(), random: &random).timeIntervalSince(t0)
        }
        #expect(delays.allSatisfy { (600...660).contains($0) })
        #expect(Set(delays.map { Int($0) }).count >= 15)
    }
}
