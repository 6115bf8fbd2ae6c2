import Foundation
import Testing

@testable import OCSPCore

/// A hook starts in `/` with an environment ocspd fixes: its own PATH of system folders, the
/// account, the locale and the proxy variables, and the OCSPD_* variables; nothing else of
/// the daemon's environment (LD_PRELOAD, BASH_ENV, NOTIFY_SOCKET, its PATH) reaches it.
@Suite struct HookEnvironmentTests {
    static let searchPath = HookSearchPath(folders: ["/usr/bin", "/bin"], dropped: [])
    static let account = HookEnvironment.Account(name: "ocspd", home: "/var/lib/ocspd")

    @Test(arguments: [
        ("LANG", "C.UTF-8", true), ("LC_ALL", "de_DE.UTF-8", true), ("LC_MESSAGES", "fr_FR", true), ("LANGUAGE", "de:en", true),
        ("LANG", "/home/u/evil-locale", false), ("LC_ALL", "../../tmp/x", false),
        ("http_proxy", "http://proxy:3128", true), ("https_proxy", "http://proxy:3128", true), ("HTTPS_PROXY", "http://proxy:3128", true),
        ("all_proxy", "socks5://proxy", true), ("ALL_PROXY", "socks5://proxy", true), ("no_proxy", "localhost", true),
        ("NO_PROXY", ".lan", true),
        ("HTTP_PROXY", "http://proxy:3128", false),
        ("PATH", "/tmp/evil:/usr/bin", false), ("LD_PRELOAD", "/tmp/evil.so", false), ("LD_LIBRARY_PATH", "/tmp", false),
        ("BASH_ENV", "/tmp/evil.sh", false), ("ENV", "/tmp/evil.sh", false), ("IFS", "/", false), ("PYTHONPATH", "/tmp", false),
        ("NOTIFY_SOCKET", "/run/systemd/notify", false), ("LISTEN_FDS", "1", false), ("HOME", "/home/other", false),
        ("TZ", ":/tmp/zone", false),
    ])
    func whatAHookInheritsFromTheDaemon(name: String, value: String, inherited: Bool) {
        #expect(HookEnvironment.inherits(name, value: value) == inherited)
    }

    @Test func theHooksPathIsItsOwnWhateverTheDaemonsAndTheChangeSay() {
        let variables = HookEnvironment.variables(
            change: ["OCSPD_STATUS": "good", "PATH": "/tmp"], searchPath: Self.searchPath,
            daemon: ["PATH": ":/tmp/evil", "LANG": "C.UTF-8"], account: Self.account)
        #expect(
            variables == [
                "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OCSPD_STATUS": "good",
                "HOME": "/var/lib/ocspd", "USER": "ocspd", "LOGNAME": "ocspd",
            ])
    }

    @Test func theChangeOverridesAnythingInherited() {
        let variables = HookEnvironment.variables(
            change: ["OCSPD_OUTPUT": "/srv/a.der"], searchPath: Self.searchPath,
            daemon: ["OCSPD_OUTPUT": "/etc/shadow"], account: nil)
        #expect(variables["OCSPD_OUTPUT"] == "/srv/a.der")
    }

    @Test func theAccountIsTheOneOcspdRunsAsFromThePasswordDatabase() {
        let account = HookEnvironment.Account.current(uid: 0)
        #expect(account?.name == "root")
        #expect(account?.home.hasPrefix("/") == true)
    }

    @Test func aHookStartsInTheRootFolderWithTheFixedEnvironment() throws {
        let folder = try TestPKI.scratchFolder("hook-environment")
        let record = "\(folder)/seen"
        let hook = Hook(arguments: ["/bin/sh", "-c", "pwd > \(record); env | sort >> \(record)"])
        let daemon = [
            "PATH": ":\(folder)", "LD_LIBRARY_PATH": folder, "BASH_ENV": "\(folder)/x", "NOTIFY_SOCKET": "/run/systemd/notify",
            "LANG": "C.UTF-8", "https_proxy": "http://proxy.invalid:3128", "HOME": folder,
        ]
        let result = HookRunner.run(hook, environment: ["OCSPD_STATUS": "good"], daemonEnvironment: daemon)
        #expect(result == .succeeded)
        let lines = TextFile.lines(record)
        #expect(lines.first == "/")
        let names = Set(lines.dropFirst().compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        // sh adds PWD (and SHLVL) itself.
        #expect(
            names.subtracting(["PWD", "SHLVL", "OLDPWD", "_"]) == [
                "PATH", "LANG", "https_proxy", "HOME", "USER", "LOGNAME", "OCSPD_STATUS",
            ], "\(lines)")
        #expect(lines.contains("PATH=\(HookSearchPath.current().text)"), "\(lines)")
        #expect(!lines.contains("HOME=\(folder)"), "\(lines)")
    }
}
