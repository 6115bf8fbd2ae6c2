import Foundation

/// Set once to abort every transfer that watches it (shutdown): curl's progress callback
/// checks it, so a transfer stuck on a slow responder ends within a fraction of a second.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.withLock { cancelled = true }
    }

    public var isCancelled: Bool {
        lock.withLock { cancelled }
    }
}
