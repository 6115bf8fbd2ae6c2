import Foundation

/// Waits up to `seconds` for `condition`, checking every 100 ms: a bounded wait for what a
/// child process or a thread does in its own time, never a timed assertion.
func eventually(_ seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(100_000)
    }
    return condition()
}
