import Foundation
import Testing

@testable import OCSPCore

/// `FailureEvents.decide` as a table: which `on-failure` event one refresh raises, from the
/// staple's delivered events, how the refresh ended, the thresholds and a fixed clock.
@Suite struct FailureEventsTableTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600
    static let settings = FailureEvents.Settings(threshold: 3, interval: hour)

    /// A staple issued a day ago with `left` seconds of validity left (the warning share is 25%).
    static func staple(left: TimeInterval) -> StapleFacts {
        let thisUpdate = now.addingTimeInterval(-86400)
        let expiry = now.addingTimeInterval(left)
        return StapleFacts(
            status: .good, thisUpdate: thisUpdate, nextUpdate: expiry, effectiveExpiry: expiry, expiryLimit: .nextUpdate, singleIndex: 0,
            singleResponseCount: 1, certIDHashAlgorithm: "sha1")
    }

    static let plenty = staple(left: 6 * 86400)
    /// 1 h left of a 25 h window: below 25%.
    static let runningOut = staple(left: hour)

    struct Row: Sendable, CustomStringConvertible {
        let rule: String
        let alert: FailureAlert
        let result: FailureEvents.Result
        let failures: Int
        let staple: StapleFacts?
        let expected: FailureEvents.Event?
        var description: String { rule }
    }

    static let none = FailureAlert()
    static let failingDelivered = FailureAlert(failing: .consecutiveFailures, lastFailing: now.addingTimeInterval(-2 * hour))
    static let recoveredRecently = FailureAlert(failing: nil, lastFailing: now.addingTimeInterval(-10 * 60))
    static let recoveredLongAgo = FailureAlert(failing: nil, lastFailing: now.addingTimeInterval(-2 * hour))
    static let stampedInTheFuture = FailureAlert(failing: nil, lastFailing: now.addingTimeInterval(5 * hour))

    static let rows: [Row] = [
        Row(rule: "two failures are not failing yet", alert: none, result: .failed, failures: 2, staple: plenty, expected: nil),
        Row(
            rule: "the third failure in a row is failing", alert: none, result: .failed, failures: 3, staple: plenty,
            expected: .init(.failing, .consecutiveFailures)),
        Row(
            rule: "failing without a staple in place", alert: none, result: .failed, failures: 3, staple: nil,
            expected: .init(.failing, .consecutiveFailures)),
        Row(
            rule: "one failure with the staple below the warning share is failing", alert: none, result: .failed, failures: 1,
            staple: runningOut, expected: .init(.failing, .stapleExpiring)),
        Row(
            rule: "a failing already delivered is not raised again", alert: failingDelivered, result: .failed, failures: 7, staple: plenty,
            expected: nil),
        Row(
            rule: "a delivered failing becomes staple-expiring once the staple runs out", alert: failingDelivered, result: .failed,
            failures: 9, staple: runningOut, expected: .init(.failing, .stapleExpiring)),
        Row(
            rule: "a delivered staple-expiring is not raised again", alert: FailureAlert(failing: .stapleExpiring, lastFailing: now),
            result: .failed, failures: 9, staple: runningOut, expected: nil),
        Row(
            rule: "a success after a delivered failing is recovered", alert: failingDelivered, result: .succeeded, failures: 0,
            staple: plenty, expected: .init(.recovered, .consecutiveFailures)),
        Row(
            rule: "recovered is not rate-limited", alert: FailureAlert(failing: .stapleExpiring, lastFailing: now), result: .succeeded,
            failures: 0, staple: plenty, expected: .init(.recovered, .stapleExpiring)),
        Row(
            rule: "a success without a delivered failing raises nothing", alert: none, result: .succeeded, failures: 0, staple: plenty,
            expected: nil),
        Row(
            rule: "a success after a failing never delivered raises nothing", alert: recoveredLongAgo, result: .succeeded, failures: 0,
            staple: plenty, expected: nil),
        Row(
            rule: "failing again within the hour of the last one is held back", alert: recoveredRecently, result: .failed, failures: 3,
            staple: plenty, expected: nil),
        Row(
            rule: "failing again an hour after the last one is raised", alert: recoveredLongAgo, result: .failed, failures: 3,
            staple: plenty, expected: .init(.failing, .consecutiveFailures)),
        Row(
            rule: "a last failing stamped in the future (clock stepped back) holds nothing back", alert: stampedInTheFuture,
            result: .failed, failures: 3, staple: plenty, expected: .init(.failing, .consecutiveFailures)),
        Row(
            rule: "a revocation raises no failure event", alert: failingDelivered, result: .other, failures: 0, staple: nil,
            expected: nil),
    ]

    @Test(arguments: rows) func theEventOneRefreshRaises(_ row: Row) {
        let facts = FailureEvents.Facts(alert: row.alert, result: row.result, consecutiveFailures: row.failures, stapleInPlace: row.staple)
        #expect(FailureEvents.decide(facts, settings: Self.settings, timing: Timing(), at: Self.now) == row.expected, "\(row.rule)")
    }

    @Test func aDeliveredFailingIsRememberedAndARecoveryKeepsItsTimeForTheRateLimit() {
        var alert = FailureAlert()
        alert.delivered(.init(.failing, .consecutiveFailures), at: Self.now)
        #expect(alert == FailureAlert(failing: .consecutiveFailures, lastFailing: Self.now))
        alert.delivered(.init(.recovered, .consecutiveFailures), at: Self.now.addingTimeInterval(60))
        #expect(alert == FailureAlert(failing: nil, lastFailing: Self.now))
    }

    @Test func aStateFileWithoutAlertsDecodesAndOneWithAnUnreadableAlertKeepsTheRest() throws {
        let old = Data(#"{"outputPath":"/x","consecutiveFailures":2}"#.utf8)
        #expect(try JSONDecoder().decode(StapleState.self, from: old).alert == nil)
        let odd = Data(#"{"outputPath":"/x","consecutiveFailures":2,"alert":{"failing":"martian"}}"#.utf8)
        let state = try JSONDecoder().decode(StapleState.self, from: odd)
        #expect(state.alert == nil && state.consecutiveFailures == 2)
    }
}
