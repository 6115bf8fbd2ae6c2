import Foundation

/// Runs a hook with a timeout and the environment describing the change. A hook's failure
/// is reported, never undoes the staple.
public enum HookRunner {
    public enum Result: Equatable, Sendable {
        case succeeded
        case failed(status: Int32)
        case timedOut
        case couldNotStart(String)
    }

    public static func run(_ hook: Hook, environment: [String: String]) -> Result {
        guard !hook.arguments.isEmpty else { return .couldNotStart("empty command") }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let child: ChildProcess
        do {
            child = try ChildProcess(hook.arguments, stdout: "/dev/null", stderr: "/dev/null", environment: merged)
        } catch {
            return .couldNotStart(String(describing: error))
        }
        let deadline = Date().addingTimeInterval(hook.timeout)
        while child.isRunning {
            if Date() >= deadline {
                child.stop(grace: 2)
                return .timedOut
            }
            usleep(20_000)
        }
        let status = child.wait()
        return status == 0 ? .succeeded : .failed(status: status)
    }

    /// OCSPD_CHAIN, OCSPD_OUTPUT, OCSPD_TARGET, OCSPD_STATUS (good, revoked or removed) and
    /// OCSPD_EFFECTIVE_EXPIRY (RFC 3339, empty when removed).
    public static func environment(job: RefreshJob, status: String, effectiveExpiry: Date?) -> [String: String] {
        [
            "OCSPD_CHAIN": job.chainPath,
            "OCSPD_OUTPUT": job.outputPath,
            "OCSPD_TARGET": job.policy.target.rawValue,
            "OCSPD_STATUS": status,
            "OCSPD_EFFECTIVE_EXPIRY": effectiveExpiry.map(RFC3339.string) ?? "",
        ]
    }
}
