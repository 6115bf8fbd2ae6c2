import Foundation
import Testing

@testable import OCSPCore

/// Work beside a round runs at the same time as the round, on another thread, and the call
/// returns only once both are done.
@Suite struct BesideWorkTests {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    @Test func besideRunsWhileTheWorkRunsAndBothFinishBeforeTheCallReturns() {
        let started = DispatchSemaphore(value: 0)
        let finished = Flag()
        let result = BesideWork.run {
            // The work waits for the other thread to have started: they run at once.
            started.wait()
            return 42
        } beside: {
            started.signal()
            usleep(50_000)
            finished.set()
        }
        #expect(result == 42)
        #expect(finished.isSet)
    }
}
