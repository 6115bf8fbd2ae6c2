import Foundation

/// `map` over every core: the work cut into one contiguous slice per core (each slice's
/// results kept apart, no lock per element), the results in the input's order.
enum ParallelMap {
    static func map<Element: Sendable, Result: Sendable>(_ elements: [Element], _ transform: @Sendable (Element) -> Result) -> [Result] {
        let slices = min(elements.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        guard slices > 1 else { return elements.map(transform) }
        let results = SliceResults<Result>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (elements.count * slice / slices)..<(elements.count * (slice + 1) / slices)
            results.set(slice, elements[range].map(transform))
        }
        return results.joined
    }

    /// The same, each slice's elements transformed with a state of its own (`makeState`, made
    /// on the slice's thread: descriptors, caches that must not be shared between threads).
    static func map<Element: Sendable, Result: Sendable, State>(
        _ elements: [Element], state makeState: @Sendable () -> State, _ transform: @Sendable (inout State, Element) -> Result
    ) -> [Result] {
        let slices = min(elements.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        guard slices > 1 else {
            var state = makeState()
            return elements.map { transform(&state, $0) }
        }
        let results = SliceResults<Result>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (elements.count * slice / slices)..<(elements.count * (slice + 1) / slices)
            var state = makeState()
            results.set(slice, elements[range].map { transform(&state, $0) })
        }
        return results.joined
    }

    /// One slot per slice, each written once by its iteration.
    private final class SliceResults<Result>: @unchecked Sendable {
        private var slices: [[Result]]
        private let lock = NSLock()

        init(count: Int) { slices = Array(repeating: [], count: count) }

        func set(_ slice: Int, _ results: [Result]) { lock.withLock { slices[slice] = results } }

        var joined: [Result] { lock.withLock { slices.flatMap { $0 } } }
    }
}
