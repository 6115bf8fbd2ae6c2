import Foundation
import Testing

@testable import OCSPCore

/// Running as root, what a hook's `#!` line starts is held to the hook's own rule: the
/// interpreter (and an interpreter's interpreter), and what `#!/usr/bin/env NAME` finds on
/// the fixed PATH hooks run with, must be root's alone, at load and just before each start.
/// A hook never searches the daemon's PATH or working folder.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct HookInterpreterTests {
    typealias FS = FileSystemFixtures
    let scenario: Scenario
    let folder: String
    /// Root's folder of hooks, and a folder of another user.
    let rootBin: String, attacker: String

    init() throws {
        scenario = try Scenario()
        folder = scenario.folder
        rootBin = "\(folder)/rootbin"
        attacker = "\(folder)/attacker"
        try FS.folder(rootBin)
        try FS.folder(attacker, owner: FS.otherUser)
    }

    private var attackerLog: String { "\(folder)/attacker.log" }
    private var trustedLog: String { "\(folder)/trusted.log" }

    /// A script at `path` whose first line is `#!interpreter`, logging to `log` when a shell runs it.
    private func script(_ path: String, interpreter: String, log: String? = nil, owner: uid_t? = nil) throws {
        let body = log.map { "echo \"$OCSPD_STATUS\" >> \($0)\n" } ?? "exit 0\n"
        try Self.executable(path, "#!\(interpreter)\n\(body)", owner: owner)
    }

    static func executable(_ path: String, _ text: String, owner: uid_t? = nil) throws {
        try FS.file(path, Array(text.utf8), owner: owner, mode: 0o755)
    }

    /// The attacker's `hookhelper`, in their folder: a shell script recording that it ran.
    private func plantHelper() throws {
        try script("\(attacker)/hookhelper", interpreter: "/bin/sh", log: attackerLog, owner: FS.otherUser)
    }

    private func configuration(hook: String, settings: String = "") throws -> String {
        let config = "\(folder)/ocspd.yaml"
        try FS.file(
            config,
            Array(
                """
                state-dir: \(scenario.stateDirectory)
                \(settings)
                staples:
                  - chain: \(try scenario.chainFile())
                    output: \(scenario.output)
                    target: generic
                    hook: [\(hook)]

                """.utf8))
        return config
    }

    private func loadProblem(_ config: String) -> String? {
        do {
            _ = try ConfigurationLoader.load(path: config)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theRedTeamsEnvHelperInTheWorkingFolderAndFirstOnPathNeverRuns() throws {
        // A root-owned hook `#!/usr/bin/env hookhelper`; ocspd started from the attacker's
        // folder with it first on PATH and an empty entry (the working folder) too.
        try plantHelper()
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "/usr/bin/env hookhelper")
        let config = try configuration(hook: hook)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = ":\(attacker):/usr/bin:/bin"
        let result = try Command.run(
            "/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" refresh --config \"$3\"", "sh", attacker, OCSPDBinary.path, config],
            environment: environment)
        #expect(result.status == ExitStatus.configuration, "\(result.stderr)")
        #expect(result.stderr.contains("env hookhelper") && result.stderr.contains(hook), "\(result.stderr)")
        #expect(!FS.exists(attackerLog))
    }

    @Test func aHookBoundBeforeItsEnvHelperWasPlantedIsNotStartedAndNeverSearchesTheDaemonsPath() throws {
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "/usr/bin/env hookhelper")
        try plantHelper()
        // As if loaded earlier: the check runs again just before the start, on the hooks'
        // PATH, whatever the daemon's.
        let result = HookRunner.run(
            Hook(arguments: [hook], executable: hook), environment: ["OCSPD_STATUS": "good"], euid: 0,
            daemonEnvironment: ["PATH": "\(attacker):/usr/bin"])
        guard case .couldNotStart(let message) = result else {
            Issue.record("started: \(result)")
            return
        }
        #expect(message.contains("hookhelper is not an executable file in any folder of the PATH hooks run with"), "\(message)")
        #expect(!FS.exists(attackerLog))
    }

    @Test func aScriptWhoseInterpreterIsInAFolderOfAnotherUserIsRefusedAtLoadNamingTheInterpreter() throws {
        let interpreter = "\(attacker)/interp"
        try script(interpreter, interpreter: "/bin/sh", owner: FS.otherUser)
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: interpreter)
        let problem = try #require(loadProblem(try configuration(hook: hook)), "loaded")
        #expect(problem.contains("hook") && problem.contains(hook) && problem.contains("its #! line starts \(interpreter)"), "\(problem)")
        #expect(problem.contains("chown root \(attacker)"), "\(problem)")
    }

    @Test func anInterpreterThatIsItselfAScriptHasItsOwnInterpreterChecked() throws {
        let outer = "\(attacker)/outer"
        try script(outer, interpreter: "/bin/sh", owner: FS.otherUser)
        try script("\(rootBin)/middle", interpreter: outer)
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "\(rootBin)/middle")
        let problem = try #require(loadProblem(try configuration(hook: hook)), "loaded")
        #expect(problem.contains("its #! line starts \(outer)"), "\(problem)")
    }

    @Test func interpretersNestedDeeperThanTheKernelAllowsAreRefused() throws {
        var interpreter = "/bin/sh"
        for level in 1...5 {
            try script("\(rootBin)/level\(level)", interpreter: interpreter)
            interpreter = "\(rootBin)/level\(level)"
        }
        let problem = try #require(loadProblem(try configuration(hook: interpreter)), "loaded")
        #expect(problem.contains("more than \(HookInterpreters.maximumFollowed) interpreters"), "\(problem)")
        #expect(HookInterpreters.refusal(of: "\(rootBin)/level3", searchPath: HookSearchPath.current(euid: 0)) == nil)
    }

    @Test func envWithAnOptionIsRefusedRatherThanModelled() throws {
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "/usr/bin/env -S sh -e")
        let problem = try #require(loadProblem(try configuration(hook: hook)), "loaded")
        #expect(problem.contains("env with '-S sh -e'") && problem.contains("absolute path"), "\(problem)")
    }

    @Test func envFindsItsCommandOnTheHooksOwnPathAndTheHookRuns() throws {
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "/usr/bin/env sh", log: trustedLog)
        let config = try configuration(hook: hook)
        #expect(loadProblem(config) == nil)
        let loaded = try #require(try ConfigurationLoader.load(path: config).staples.first?.hook)
        #expect(HookRunner.run(loaded, environment: ["OCSPD_STATUS": "good"], euid: 0) == .succeeded)
        #expect(TextFile.lines(trustedLog) == ["good"])
    }

    @Test func anInterpreterWhoseFolderWasOpenedToOthersAfterLoadIsNotStarted() throws {
        let tools = "\(rootBin)/tools"
        try FS.folder(tools)
        try script("\(tools)/interp", interpreter: "/bin/sh")
        let hook = "\(rootBin)/reload"
        try script(hook, interpreter: "\(tools)/interp", log: trustedLog)
        let loaded = try #require(try ConfigurationLoader.load(path: try configuration(hook: hook)).staples.first?.hook)
        #expect(chmod(tools, 0o777) == 0)
        let result = HookRunner.run(loaded, environment: ["OCSPD_STATUS": "good"], euid: 0)
        guard case .couldNotStart(let message) = result else {
            Issue.record("started: \(result)")
            return
        }
        #expect(message.contains("its #! line starts \(tools)/interp") && message.contains("chmod go-w \(tools)"), "\(message)")
        #expect(!FS.exists(trustedLog))
    }

    @Test func aFolderOnTheHooksPathThatOthersMayWriteIsLeftOutAndReportedOnce() throws {
        let trusted = "\(folder)/sbin"
        let staff = "\(folder)/staff-bin"
        try FS.folder(trusted)
        try FS.folder(staff, mode: 0o2775)
        let path = HookSearchPath.current(euid: 0, folders: [staff, trusted, attacker, "\(folder)/missing"])
        #expect(path.folders == [trusted])
        #expect(path.dropped.map(\.folder) == [staff, attacker])
        var logged: [String] = []
        path.reportDropped { logged.append($0) }
        path.reportDropped { logged.append($0) }
        #expect(logged.count == 2, "\(logged)")
        #expect(
            logged.first?.contains("hooks run without \(staff) on their PATH") == true
                && logged.first?.contains("chmod go-w \(staff)") == true, "\(logged)")
        // Not root: the list as it is (nothing of root's is at stake).
        #expect(HookSearchPath.current(euid: 1000, folders: [staff, trusted]).folders == [staff, trusted])
    }

    @Test func aHookRunByRefreshSeesTheFixedPathAndStartsInTheRootFolder() throws {
        try scenario.startResponder()
        let record = "\(folder)/seen"
        let hook = "\(rootBin)/reload"
        try Self.executable(hook, "#!/bin/sh\npwd > \(record)\necho \"$PATH\" >> \(record)\n")
        let config = try configuration(hook: hook)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = ":\(attacker):/usr/bin:/bin"
        let result = try Command.run(
            "/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" refresh --config \"$3\"", "sh", attacker, OCSPDBinary.path, config],
            environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(TextFile.lines(record) == ["/", HookSearchPath.current(euid: 0).text], "\(result.stderr)")
    }
}
