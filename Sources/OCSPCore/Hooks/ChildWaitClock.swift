import Foundation

/// The monotonic time a wait for a child process reads, and the pause between two looks at
/// it: CLOCK_MONOTONIC and a real sleep in ocspd (`SystemWaitClock`); in tests a clock moved
/// by hand, so that a 30 s hook timeout or a 2 s grace is decided without waiting for it.
public protocol ChildWaitClock: Sendable {
    /// Seconds since an arbitrary point, never stepped.
    func seconds() -> TimeInterval
    /// Lets `seconds` pass before the next look.
    func pause(_ seconds: TimeInterval)
}

/// CLOCK_MONOTONIC (`MonotonicClock`) and a real sleep.
public struct SystemWaitClock: ChildWaitClock {
    public init() {}

    public func seconds() -> TimeInterval { MonotonicClock.seconds() }

    public func pause(_ seconds: TimeInterval) { Thread.sleep(forTimeInterval: seconds) }
}
