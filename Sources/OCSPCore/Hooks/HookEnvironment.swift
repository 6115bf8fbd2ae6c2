import Foundation

/// The environment a hook starts with: fixed by ocspd, not inherited wholesale. The
/// daemon's environment is whatever its service manager, cron or an operator's shell left
/// there, and much of it changes what a program runs or loads (PATH with an empty entry,
/// LD_PRELOAD, LD_LIBRARY_PATH, BASH_ENV, ENV, PYTHONPATH, PERL5LIB, IFS) or speaks for the
/// daemon (NOTIFY_SOCKET, LISTEN_FDS: a hook could tell systemd the daemon stopped).
///
/// A hook gets:
/// - `PATH`: `HookSearchPath` (system folders, as root only those root alone may write);
/// - `HOME`, `USER`, `LOGNAME`: the account ocspd runs as, from the password database, as
///   cron gives a job (tools such as ssh or git expect them);
/// - the locale (`LANG`, `LANGUAGE`, `LC_*`) when its value names a locale rather than a
///   file (no `/`): a hook's messages and the file names it is given keep the daemon's
///   language and encoding;
/// - the proxy variables libcurl reads (`http_proxy`, `https_proxy`, `HTTPS_PROXY`,
///   `all_proxy`, `ALL_PROXY`, `no_proxy`, `NO_PROXY`; `HTTP_PROXY` is ignored, as ocspd
///   ignores it): a hook that pushes a staple to another host reaches it the way ocspd
///   reaches its responders. They route traffic; they make nothing run;
/// - the `OCSPD_*` variables describing the change (`change`), which no inherited value overrides.
enum HookEnvironment {
    static let proxyVariables: Set<String> = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"]

    /// - Parameter change: what ocspd itself tells the hook (`HookRunner.environment`).
    static func variables(
        change: [String: String], searchPath: HookSearchPath, daemon: [String: String],
        account: Account? = Account.current()
    ) -> [String: String] {
        var result = daemon.filter { inherits($0.key, value: $0.value) }
        if let account {
            result["HOME"] = account.home
            result["USER"] = account.name
            result["LOGNAME"] = account.name
        }
        result.merge(change) { _, new in new }
        result["PATH"] = searchPath.text
        return result
    }

    /// Whether a variable of the daemon's environment is passed on to a hook.
    static func inherits(_ name: String, value: String) -> Bool {
        if proxyVariables.contains(name) { return true }
        if name == "LANG" || name == "LANGUAGE" || name.hasPrefix("LC_") { return !value.contains("/") }
        return false
    }

    /// The account ocspd runs as, as the password database (root's file) names it.
    struct Account: Equatable {
        let name: String
        let home: String

        static func current(uid: uid_t = geteuid()) -> Account? {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            var buffer = [CChar](repeating: 0, count: 4096)
            guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil,
                let name = entry.pw_name, let home = entry.pw_dir
            else { return nil }
            return Account(name: String(cString: name), home: String(cString: home))
        }
    }
}
