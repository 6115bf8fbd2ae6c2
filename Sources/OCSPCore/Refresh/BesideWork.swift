import Foundation

/// Work that needs nothing from a round and touches nothing the round touches, run on a
/// thread of its own while the round runs: `refresh --config`'s collection of abandoned state
/// and its sweep of staples whose chain left a watched folder act only on outputs that are no
/// longer configured. Run after the round, they held one core for a tenth of a fresh run at
/// 10,000 staples while the other had nothing to do.
public enum BesideWork {
    /// `work` on the calling thread, `beside` on another; returns once both are done.
    public static func run<Result>(_ work: () -> Result, beside: @escaping @Sendable () -> Void) -> Result {
        let done = DispatchSemaphore(value: 0)
        Thread {
            beside()
            done.signal()
        }.start()
        let result = work()
        done.wait()
        return result
    }
}
