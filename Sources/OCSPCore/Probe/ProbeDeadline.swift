import Foundation

/// Where a probe is when it runs out of time or meets too much: named in the message, so an
/// operator knows which part of the server's dialogue hung.
public enum ProbePhase: String, Sendable, Hashable {
    case resolve = "name resolution"
    case connect = "connect"
    case banner = "the banner"
    case ehlo = "EHLO"
    case startTLS = "STARTTLS"
    case handshake = "the TLS handshake"
}

/// One deadline for the whole probe (connect, banner, EHLO, STARTTLS and handshake together),
/// on the monotonic clock: a server dripping one byte a second must not reset it with each byte.
public struct ProbeDeadline: Sendable, Hashable {
    public let seconds: TimeInterval
    public let endsAt: TimeInterval

    public init(seconds: TimeInterval, startedAt: TimeInterval = MonotonicClock.seconds()) {
        self.seconds = seconds
        endsAt = startedAt + seconds
    }

    /// Milliseconds left for poll(2), 0 once the deadline passed.
    public func pollMilliseconds(at moment: TimeInterval = MonotonicClock.seconds()) -> Int32 {
        let left = endsAt - moment
        guard left > 0 else { return 0 }
        return Int32(min(left * 1000, Double(Int32.max)).rounded(.up))
    }
}

/// What a probe reads before the TLS handshake, at most: real banners and EHLO answers are a
/// few hundred bytes; an endless EHLO must not grow memory without bound.
public struct ProbeReadLimits: Sendable, Hashable {
    public var bytesPerLine = 512
    public var lines = 100
    public var totalBytes = 64 * 1024

    public init() {}
}
