import Testing

@testable import OCSPCore

/// `ParallelMap.map` gives what `map` gives, in the input's order, whatever the count.
@Suite struct ParallelMapTests {
    @Test(arguments: [0, 1, 2, 3, 7, 1000])
    func givesWhatMapGivesInOrder(count: Int) {
        let numbers = Array(0..<count)
        #expect(ParallelMap.map(numbers) { $0 * 3 + 1 } == numbers.map { $0 * 3 + 1 })
    }
}
