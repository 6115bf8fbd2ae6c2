import Foundation

/// Politeness where it counts, at the request: at most `limits.perResponder` requests in
/// flight to one responder (`scheme://host:port`) at once, and, if set, no more than
/// `limits.perResponderRate` started per second. Verifying a proof and writing it to disk
/// happen outside the gate, so a slow disk never holds a responder slot.
public final class ResponderGate: @unchecked Sendable {
    public let limits: ConcurrencyLimits
    private let condition = NSCondition()
    private var inFlight: [String: Int] = [:]
    private var nextSlot: [String: Date] = [:]

    public init(limits: ConcurrencyLimits) {
        self.limits = limits
    }

    /// Runs `body` once the responder of `url` has room; nil, without running it, when
    /// `cancelled` turns true while waiting.
    public func pass<T>(_ url: String, cancelled: () -> Bool = { false }, _ body: () -> T) -> T? {
        let key = ResponderKey.of(url)
        condition.lock()
        while true {
            if cancelled() {
                condition.unlock()
                return nil
            }
            let now = Date()
            if inFlight[key, default: 0] < limits.perResponder {
                if let slot = nextSlot[key], slot > now {
                    _ = condition.wait(until: slot)
                    continue
                }
                break
            }
            // Timed, so that a cancellation is noticed while waiting.
            _ = condition.wait(until: now.addingTimeInterval(0.25))
        }
        inFlight[key, default: 0] += 1
        if let rate = limits.perResponderRate, rate > 0 {
            let now = Date()
            nextSlot[key] = max(nextSlot[key] ?? now, now).addingTimeInterval(1 / rate)
        }
        condition.unlock()
        defer {
            condition.lock()
            inFlight[key, default: 1] -= 1
            // Waiters for other responders share the condition: wake them all to look.
            condition.broadcast()
            condition.unlock()
        }
        return body()
    }
}

/// A transport whose requests pass a `ResponderGate` first.
public struct GatedTransport: HTTPTransport {
    public let base: any HTTPTransport
    public let gate: ResponderGate
    public let cancellation: CancellationFlag?

    public init(_ base: any HTTPTransport, gate: ResponderGate, cancellation: CancellationFlag? = nil) {
        self.base = base
        self.gate = gate
        self.cancellation = cancellation
    }

    public func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        gate.pass(request.url, cancelled: { cancellation?.isCancelled == true }) { base.perform(request) }
            ?? .failure(TransportError(url: request.url, reason: .failed("aborted: ocspd is shutting down")))
    }
}
