import Foundation
import Testing

@testable import OCSPCore

/// A random source that always returns the same value: jitter at a known point.
struct FixedRandom: RandomNumberGenerator {
    /// 0 gives the lowest value of any range, UInt64.max the highest.
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

/// RefreshSchedule as a pure function of the proof's times, the state and a fake clock.
@Suite struct ScheduleTableTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    struct Row: Sendable, CustomStringConvertible {
        let name: String
        let window: TimeInterval
        let lastSuccessAfter: TimeInterval?
        let random: UInt64
        let expectedOffset: TimeInterval
        var description: String { name }
    }

    // Default timing: 50% ± 10%, ≥ 5 min after the last success, ≤ expiry − max(1 h, 10%).
    static let rows: [Row] = [
        Row(
            name: "7-day proof, no jitter drawn (middle)", window: 7 * 86400, lastSuccessAfter: nil, random: UInt64.max / 2,
            expectedOffset: 3.5 * 86400),
        Row(name: "7-day proof, lowest jitter", window: 7 * 86400, lastSuccessAfter: nil, random: 0, expectedOffset: 0.4 * 7 * 86400),
        Row(
            name: "7-day proof, highest jitter", window: 7 * 86400, lastSuccessAfter: nil, random: UInt64.max,
            expectedOffset: 0.6 * 7 * 86400),
        Row(
            name: "10-minute proof just refreshed: deadline behind us, so 10% of the window after the success", window: 600,
            lastSuccessAfter: 200, random: UInt64.max / 2, expectedOffset: 260),
        Row(
            name: "1-hour proof just refreshed: 5 minutes after the success, not at once", window: 3600, lastSuccessAfter: 10,
            random: UInt64.max / 2, expectedOffset: 310),
        Row(
            name: "1-hour proof: the deadline (expiry − 1 h) wins", window: 3600, lastSuccessAfter: nil, random: UInt64.max / 2,
            expectedOffset: 0),
        Row(
            name: "30-hour proof refreshed late: deadline at expiry − 3 h", window: 30 * 3600, lastSuccessAfter: 26.95 * 3600,
            random: UInt64.max / 2, expectedOffset: 27 * 3600),
    ]

    @Test(arguments: rows)
    func nextRefresh(row: Row) {
        var random = FixedRandom(value: row.random)
        let next = RefreshSchedule.nextRefresh(
            thisUpdate: t0, effectiveExpiry: t0.addingTimeInterval(row.window),
            lastSuccess: row.lastSuccessAfter.map { t0.addingTimeInterval($0) }, timing: Timing(), random: &random)
        #expect(abs(next.timeIntervalSince(t0) - row.expectedOffset) < 1, "\(row.name): got \(next.timeIntervalSince(t0))")
    }

    @Test func shortWindowsLetTheDeadlineWinOverTheMinimumInterval() {
        var random = FixedRandom(value: 0)
        var timing = Timing()
        timing.deadlineMinimum = 60
        // 10-minute proof refreshed 5 minutes in: the minimum interval says 10 min, the deadline 9 min.
        let next = RefreshSchedule.nextRefresh(
            thisUpdate: t0, effectiveExpiry: t0.addingTimeInterval(600),
            lastSuccess: t0.addingTimeInterval(300), timing: timing, random: &random)
        #expect(next == t0.addingTimeInterval(540))
    }

    @Test func failureBackoffIsOneMinutePlusARandomShareOfADoublingWindowUpToOneHour() {
        var low = FixedRandom(value: 0)
        var high = FixedRandom(value: UInt64.max)
        #expect(
            abs(
                RefreshSchedule.retry(afterFailures: 1, retryAfter: nil, at: t0, timing: Timing(), random: &high).timeIntervalSince(t0)
                    - 120) < 0.01)
        #expect(
            abs(
                RefreshSchedule.retry(afterFailures: 3, retryAfter: nil, at: t0, timing: Timing(), random: &high).timeIntervalSince(t0)
                    - 300) < 0.01)
        #expect(
            RefreshSchedule.retry(afterFailures: 3, retryAfter: nil, at: t0, timing: Timing(), random: &low) == t0.addingTimeInterval(60))
        #expect(
            abs(
                RefreshSchedule.retry(afterFailures: 20, retryAfter: nil, at: t0, timing: Timing(), random: &high).timeIntervalSince(t0)
                    - 3600) < 0.01)
    }

    @Test func retryAfterFromTheResponderIsHonoured() {
        var low = FixedRandom(value: 0)
        #expect(
            RefreshSchedule.retry(afterFailures: 1, retryAfter: 900, at: t0, timing: Timing(), random: &low) == t0.addingTimeInterval(900))
    }

    @Test func sameProofAgainWaitsForMaxAgeOrBackoffWithinTheDeadline() {
        var random = FixedRandom(value: 0)
        let deadline = t0.addingTimeInterval(1800)
        #expect(
            RefreshSchedule.retrySameProof(deadline: deadline, maxAge: 600, at: t0, timing: Timing(), random: &random)
                == t0.addingTimeInterval(600))
        #expect(
            RefreshSchedule.retrySameProof(deadline: deadline, maxAge: 10, at: t0, timing: Timing(), random: &random)
                == t0.addingTimeInterval(60))
        // A max-age past the deadline: the random window is moved to end at the deadline.
        #expect(
            RefreshSchedule.retrySameProof(deadline: deadline, maxAge: 7200, at: t0, timing: Timing(), random: &random)
                == deadline.addingTimeInterval(-60))
        var high = FixedRandom(value: UInt64.max)
        #expect(RefreshSchedule.retrySameProof(deadline: deadline, maxAge: 7200, at: t0, timing: Timing(), random: &high) <= deadline)
    }

    @Test func batchExitCodeIsTheWorstInTheOrderRevokedNoStapleStaleNothingOK() {
        let code = BatchRefresh.worst
        #expect(code([0, 4]) == 4)
        #expect(code([4, 1]) == 1)
        #expect(code([1, 2]) == 2)
        #expect(code([2, 3]) == 3)
        #expect(code([]) == 0)
        #expect(code([0, 3, 1, 4, 2]) == 3)
    }
}
