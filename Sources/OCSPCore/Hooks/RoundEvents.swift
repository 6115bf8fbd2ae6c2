import Foundation
import Synchronization

/// One `on-failure` event of one staple, as its refresh raised it (`FailureEvents`), waiting
/// for the end of the round (`EventDispatch`).
public struct EventNotice: Sendable {
    public var event: FailureEvents.Event
    public var hook: Hook
    public var output: String
    public var chain: String
    /// The responder asked first.
    public var url: String
    public var failures: Int
    /// When the valid staple still in place expires, if one is.
    public var expiry: Date?
}

/// The events a round of refreshes raised (a daemon round, a `refresh --config` run), from
/// every worker thread; `EventDispatch` takes them at its end. Not persisted: an event whose
/// hook never ran is not delivered, so the next refresh of its staple raises it again.
public final class RoundEvents: Sendable {
    private let notices = Mutex<[EventNotice]>([])

    public init() {}

    func add(_ notice: EventNotice) {
        notices.withLock { $0.append(notice) }
    }

    /// The events raised since the last call.
    func take() -> [EventNotice] {
        notices.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}
