import Foundation

/// Politeness where it counts, at the request: at most `limits.perResponder` requests in
/// flight to one responder (`scheme://host:port`) at once, and, if set, no more than
/// `limits.perResponderRate` started per second. Verifying a proof and writing it to disk
/// happen outside the gate, so a slow disk never holds a responder slot.
///
/// A responder that fails `failuresBeforePause` requests in a row (no answer, a timeout, a
/// 5xx or 429) is not asked again for `probeInterval`: the rest of the round's staples fail at
/// once and each goes into its own backoff with jitter. Thousands of staples behind a hanging
/// responder then cost seconds, not hours of timeouts, and the responder is not hammered.
/// After the pause one request probes it; an answer ends the pause.
///
/// Pauses and rate slots are measured on `now` (the wall clock unless a test injects one);
/// the waits themselves are real time, converted from it.
public final class ResponderGate: @unchecked Sendable {
    public let limits: ConcurrencyLimits
    public let failuresBeforePause: Int
    public let probeInterval: TimeInterval
    public let now: @Sendable () -> Date
    private let condition = NSCondition()
    private var inFlight: [String: Int] = [:]
    private var nextSlot: [String: Date] = [:]
    private var failuresInARow: [String: Int] = [:]
    private var pausedUntil: [String: Date] = [:]

    public init(
        limits: ConcurrencyLimits, failuresBeforePause: Int = 10, probeInterval: TimeInterval = 60,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.limits = limits
        self.failuresBeforePause = max(1, failuresBeforePause)
        self.probeInterval = probeInterval
        self.now = now
    }

    public enum Passage<T> {
        case ran(T)
        /// Shutdown began while waiting for room.
        case cancelled
        /// The responder failed this many requests in a row and is paused.
        case paused(failures: Int)
    }

    /// Runs `body` once the responder of `url` has room and is not paused.
    public func pass<T>(_ url: String, cancelled: () -> Bool = { false }, _ body: () -> T) -> Passage<T> {
        let key = ResponderKey.of(url)
        condition.lock()
        while true {
            if cancelled() {
                condition.unlock()
                return .cancelled
            }
            let now = self.now()
            if let until = pausedUntil[key] {
                if now < until {
                    let failures = failuresInARow[key, default: 0]
                    condition.unlock()
                    return .paused(failures: failures)
                }
                // This request is the probe; the others keep failing at once until it answers.
                pausedUntil[key] = now.addingTimeInterval(probeInterval)
            }
            if inFlight[key, default: 0] < limits.perResponder {
                if let slot = nextSlot[key], slot > now {
                    _ = condition.wait(until: Date().addingTimeInterval(slot.timeIntervalSince(now)))
                    continue
                }
                break
            }
            // Timed, so that a cancellation is noticed while waiting.
            _ = condition.wait(until: Date().addingTimeInterval(0.25))
        }
        inFlight[key, default: 0] += 1
        if let rate = limits.perResponderRate, rate > 0 {
            let now = self.now()
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
        return .ran(body())
    }

    /// Counts a request's result towards the responder's pause.
    public func record(_ url: String, unavailable: Bool) {
        let key = ResponderKey.of(url)
        condition.lock()
        defer { condition.unlock() }
        guard unavailable else {
            failuresInARow[key] = nil
            pausedUntil[key] = nil
            return
        }
        failuresInARow[key, default: 0] += 1
        if failuresInARow[key, default: 0] >= failuresBeforePause, pausedUntil[key] == nil {
            pausedUntil[key] = now().addingTimeInterval(probeInterval)
        }
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
        switch gate.pass(request.url, cancelled: { cancellation?.isCancelled == true }, { base.perform(request) }) {
        case .cancelled:
            return .failure(TransportError(url: request.url, reason: .failed("aborted: ocspd is shutting down")))
        case .paused(let failures):
            // Through a proxy, the failures that paused it may have been the proxy's: say so.
            return .failure(
                TransportError(
                    url: request.url, reason: .responderPaused(failures: failures, seconds: Int(gate.probeInterval)),
                    via: ProxyEnvironment().proxy(for: request.url)))
        case .ran(let result):
            gate.record(request.url, unavailable: Self.showsUnavailability(result))
            return result
        }
    }

    /// No answer or an answer that says "not now": what a down or overloaded responder gives.
    /// A refused scheme, a private address or an oversized body are not outages.
    static func showsUnavailability(_ result: Result<HTTPResponse, TransportError>) -> Bool {
        switch result {
        case .success(let response):
            return response.statusCode >= 500 || response.statusCode == 429
        case .failure(let error):
            switch error.reason {
            case .resolveFailed, .connectFailed, .timedOut, .failed, .proxyFailed: return true
            case .unsupportedScheme, .bodyTooLarge, .redirectRefused, .tooManyRedirects, .privateAddress, .responderPaused,
                .notHTTP, .interimAnswerOnly, .headersTooLarge:
                return false
            }
        }
    }
}
