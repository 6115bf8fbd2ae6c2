import Foundation
import Testing

@testable import OCSPCore

/// The published request and failure counters never go down while the state folder lives.
@Suite struct CounterLedgerTests {
    private func counters(_ requests: [String: Int]) -> RequestCounters { RequestCounters(requests: requests) }

    @Test func growingSumsArePublishedAsTheyAre() {
        let ledger = CounterLedger().advanced(to: counters(["a": 3])).advanced(to: counters(["a": 5, "b": 1]))
        #expect(ledger.published == counters(["a": 5, "b": 1]))
        #expect(ledger.offset == RequestCounters())
    }

    @Test func countsThatVanishAreKeptAndCountingGoesOnFromThere() {
        // A state file started afresh (corrupt) took 4 of 10 away; then 2 more requests were made.
        let afterLoss = CounterLedger().advanced(to: counters(["a": 10])).advanced(to: counters(["a": 6]))
        #expect(afterLoss.published.requests["a"] == 10)
        let later = afterLoss.advanced(to: counters(["a": 8]))
        #expect(later.published.requests["a"] == 12)
    }

    @Test func aSeriesNoStateFileNamesStaysAtItsLastValue() {
        let ledger = CounterLedger().advanced(to: RequestCounters(requests: ["a": 3], failures: ["a connect": 2]))
            .advanced(to: RequestCounters())
        #expect(ledger.published == RequestCounters(requests: ["a": 3], failures: ["a connect": 2]))
    }

    @Test func passwordsAreRedactedAndTheirSeriesMerged() {
        var total = RequestCounters()
        total.add(requests: ["http://u:one@h/": 1], failures: ["http://u:one@h/ connect": 1])
        total.add(requests: ["http://u:two@h/": 2], failures: [:])
        #expect(total == RequestCounters(requests: ["http://u:***@h/": 3], failures: ["http://u:***@h/ connect": 1]))
    }
}
