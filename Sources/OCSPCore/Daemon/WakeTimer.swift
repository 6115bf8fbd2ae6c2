import Foundation

/// The daemon's one pending sleep: arming it again replaces the sleep before. Sleeps are
/// capped at `StapleDaemon.longestSleep`, so a suspend or a clock step is noticed in time.
/// Touched only from the daemon's run loop.
final class WakeTimer: @unchecked Sendable {
    private let now: @Sendable () -> Date
    private let fire: @Sendable () -> Void
    private var task: Task<Void, Never>? = nil

    init(now: @escaping @Sendable () -> Date, fire: @escaping @Sendable () -> Void) {
        self.now = now
        self.fire = fire
    }

    func arm(_ date: Date) {
        task?.cancel()
        let delay = min(max(0, date.timeIntervalSince(now())), StapleDaemon.longestSleep)
        let fire = self.fire
        task = Task {
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            if !Task.isCancelled { fire() }
        }
    }

    func cancel() {
        task?.cancel()
    }
}
