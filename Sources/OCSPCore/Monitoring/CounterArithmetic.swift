import Foundation

/// Arithmetic on request and failure counts that never traps. The counts come from files
/// (state files, the counter ledger), and one count of Int.max there must not stop a cron run
/// or put the daemon in a restart loop: a sum that would overflow stays at Int.max, where a
/// Prometheus counter is meaningless anyway, and counting goes on for every other series.
enum CounterArithmetic {
    /// `count + more`, or Int.max when it would overflow. Negative arguments count as 0:
    /// no count ocspd keeps is ever below zero.
    static func adding(_ count: Int, _ more: Int) -> Int {
        let (sum, overflow) = max(0, count).addingReportingOverflow(max(0, more))
        return overflow ? Int.max : sum
    }

    /// The counts as read, or nil when one is negative: ocspd never writes one, so the whole
    /// set is not ocspd's, and believing part of it would still publish someone's numbers.
    static func plausible(_ counts: [String: Int]) -> [String: Int]? {
        counts.values.allSatisfy { $0 >= 0 } ? counts : nil
    }
}
