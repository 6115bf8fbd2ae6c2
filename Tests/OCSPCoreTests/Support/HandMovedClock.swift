import Foundation

@testable import OCSPCore

/// A monotonic clock a test moves instead of real time passing: it holds still (looking
/// every 10 ms, for up to 30 s of real time) until `holdsUntil` is true, the moment the test
/// wants its child to have reached; from then on each pause moves it on by the pause at once.
/// `at(_:run:)` sets something to happen when the clock passes a moment (shutdown beginning).
final class HandMovedClock: ChildWaitClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: TimeInterval = 1_000
    private var held = true
    private let holdsUntil: @Sendable () -> Bool
    private let realHoldLimit = Date().addingTimeInterval(30)
    private var events: [(moment: TimeInterval, action: @Sendable () -> Void)] = []

    init(holdsUntil: @escaping @Sendable () -> Bool = { true }) {
        self.holdsUntil = holdsUntil
    }

    /// `action` runs in the first pause that moves the clock to `moment` or past it.
    func at(_ moment: TimeInterval, run action: @escaping @Sendable () -> Void) {
        lock.withLock { events.append((moment, action)) }
    }

    func seconds() -> TimeInterval { lock.withLock { now } }

    func pause(_ seconds: TimeInterval) {
        if lock.withLock({ held }) {
            guard holdsUntil() || Date() > realHoldLimit else {
                Thread.sleep(forTimeInterval: 0.01)
                return
            }
            lock.withLock { held = false }
        }
        let due = lock.withLock {
            now += seconds
            let due = events.filter { $0.moment <= now }
            events.removeAll { $0.moment <= now }
            return due
        }
        for event in due { event.action() }
    }
}
