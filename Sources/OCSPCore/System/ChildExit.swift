internal import CShims
import Foundation

/// Whether a child has exited, looked at without reaping it (`waitid` with `WNOWAIT`).
enum ChildExit {
    /// True when it has exited, or cannot be waited for (it was reaped already).
    static func hasExited(_ pid: Int32) -> Bool {
        ocspd_child_has_exited(pid) != 0
    }
}
