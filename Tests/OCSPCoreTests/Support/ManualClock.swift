import Foundation
import Synchronization

/// A wall clock a test moves by hand: policies measured on it never wait on real time.
final class ManualClock: Sendable {
    private let moment: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        moment = Mutex(start)
    }

    var read: @Sendable () -> Date { { self.moment.withLock { $0 } } }

    func advance(_ seconds: TimeInterval) {
        moment.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
