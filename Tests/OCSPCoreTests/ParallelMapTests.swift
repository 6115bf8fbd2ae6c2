import Foundation
import Testing

@testable import OCSPCore

/// `ParallelMap.map` gives what `map` gives, in the input's order, whatever the count.
@Suite struct ParallelMapTests {
    @Test(arguments: [0, 1, 2, 3, 7, 1000])
    func givesWhatMapGivesInOrder(count: Int) {
        let numbers = Array(0..<count)
        #expect(ParallelMap.map(numbers) { $0 * 3 + 1 } == numbers.map { $0 * 3 + 1 })
    }

    @Test func eachSliceKeepsAStateOfItsOwnAndTheOrderIsKept() {
        final class Counter { var seen = 0 }
        let input = Array(0..<1_001)
        let output = ParallelMap.map(
            input, state: { Counter() },
            { counter, value -> (Int, Int) in
                counter.seen += 1
                return (value * 3, counter.seen)
            })
        #expect(output.map(\.0) == input.map { $0 * 3 })
        // Within a slice the state counts 1, 2, 3...: it restarts once per slice, never shared.
        let restarts = output.map(\.1).filter { $0 == 1 }.count
        #expect(restarts == min(input.count, max(1, ProcessInfo.processInfo.activeProcessorCount)))
    }
}
