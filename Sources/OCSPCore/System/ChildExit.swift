import Foundation

/// Whether a child has exited, looked at without reaping it (`waitid` with `WNOWAIT`): an
/// unreaped child keeps its pid, so its process group can still be signalled without
/// hitting a process that reused the number.
enum ChildExit {
    /// True when it has exited, or cannot be waited for (it was reaped already).
    static func hasExited(_ pid: Int32) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
        return info._sifields._sigchld.si_pid == pid
    }
}
