import Foundation
import Testing

@testable import OCSPCore

/// Running as root, a hook runs the file found and checked when the configuration was loaded,
/// by its absolute path, and only while that file is still root's alone: PATH is not searched
/// again at start, so a folder earlier on PATH (or the working folder, for an empty entry)
/// cannot slip another file in.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct HookTrustTests {
    typealias FS = FileSystemFixtures
    static let hookName = "ocspd-spec-hook"
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

    /// A hook that appends a line to `log` when it runs.
    private func hook(in folder: String, logging log: String, owner: uid_t? = nil) throws {
        try FS.file("\(folder)/\(Self.hookName)", Array("#!/bin/sh\necho \"$OCSPD_STATUS\" >> \(log)\n".utf8), owner: owner, mode: 0o755)
    }

    private var trustedLog: String { "\(folder)/trusted.log" }
    private var attackerLog: String { "\(folder)/attacker.log" }

    /// A configuration of one staple whose hook is named without a folder, to be found on
    /// PATH; `settings` go before the staples.
    private func configRunningTheHookByName(_ settings: String = "") throws -> String {
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
                    hook: [\(Self.hookName)]

                """.utf8))
        return config
    }

    @Test func aHookFoundFirstOnPathInAFolderOfAnotherUserIsRefusedNotSkipped() throws {
        try hook(in: attacker, logging: attackerLog, owner: FS.otherUser)
        try hook(in: rootBin, logging: trustedLog)
        let found = HookExecutable.resolve(Self.hookName, euid: 0, searchPath: "\(attacker):\(rootBin)", workingFolder: "/")
        guard case .failure(.untrusted(let path, let reason)) = found else {
            Issue.record("not refused: \(found)")
            return
        }
        #expect(path == "\(attacker)/\(Self.hookName)")
        #expect(reason.description.contains("chown root \(attacker)"), "\(reason)")
    }

    @Test func anEmptyPathEntryIsTheWorkingFolderAtLoadAndAFilePlantedThereLaterNeverRuns() throws {
        try hook(in: rootBin, logging: trustedLog)
        let found = HookExecutable.resolve(Self.hookName, euid: 0, searchPath: "/usr/bin::\(rootBin):/bin", workingFolder: attacker)
        #expect(found == .success("\(rootBin)/\(Self.hookName)"))
        let executable = try found.get()
        try hook(in: attacker, logging: attackerLog, owner: FS.otherUser)
        let result = HookRunner.run(
            Hook(arguments: [Self.hookName], executable: executable), environment: ["OCSPD_STATUS": "good"], euid: 0)
        #expect(result == .succeeded)
        #expect(TextFile.lines(trustedLog) == ["good"])
        #expect(!FS.exists(attackerLog))
    }

    @Test func refreshRefusesAHookThatAnEmptyPathEntryFindsInAWorkingFolderOfAnotherUser() throws {
        // PATH="/usr/bin::/rootbin:/bin" run from the attacker's folder: posix_spawnp would
        // take the attacker's file for the empty entry even though /rootbin's was checked.
        try scenario.startResponder()
        try hook(in: rootBin, logging: trustedLog)
        try hook(in: attacker, logging: attackerLog, owner: FS.otherUser)
        let config = try configRunningTheHookByName()
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/bin::\(rootBin):/bin"
        let result = try Command.run(
            "/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" refresh --config \"$3\"", "sh", attacker, OCSPDBinary.path, config],
            environment: environment)
        #expect(result.status == ExitStatus.configuration, "\(result.stderr)")
        #expect(result.stderr.contains("\(attacker)/\(Self.hookName)"), "\(result.stderr)")
        #expect(!FS.exists(attackerLog))
    }

    @Test func aHookWhoseFolderWasOpenedToOthersAfterLoadIsRefusedAtStartNamingIt() throws {
        try hook(in: rootBin, logging: trustedLog)
        let config = "\(folder)/ocspd.yaml"
        try FS.file(
            config,
            Array(
                """
                staples:
                  - chain: \(try scenario.chainFile())
                    output: \(scenario.output)
                    hook: [\(rootBin)/\(Self.hookName), reload]

                """.utf8))
        let hook = try #require(try ConfigurationLoader.load(path: config).staples.first?.hook)
        #expect(hook.executable == "\(rootBin)/\(Self.hookName)")
        #expect(chmod(rootBin, 0o775) == 0)
        let result = HookRunner.run(hook, environment: ["OCSPD_STATUS": "good"])
        guard case .couldNotStart(let message) = result else {
            Issue.record("started: \(result)")
            return
        }
        #expect(message.contains("\(rootBin)/\(Self.hookName)") && message.contains("chmod go-w \(rootBin)"), "\(message)")
        #expect(!FS.exists(trustedLog))
    }

    @Test func aHookPathThatCannotBeFollowedToItsEndIsNotTrusted() {
        #expect(ConfigurationTrust.problem(with: "\(attacker)/gone/\(Self.hookName)", euid: 0)?.contains("chown root \(attacker)") == true)
        #expect(ConfigurationTrust.problem(with: "\(folder)/gone/\(Self.hookName)", euid: 0)?.contains("does not exist") == true)
    }

    @Test func theDaemonNeverRunsAHookPlantedLaterInAFolderEarlierOnPath() throws {
        try scenario.startResponder(minutes: 1)
        try hook(in: rootBin, logging: trustedLog)
        let config = try configRunningTheHookByName("watch-interval: 1s\ndefaults:\n\(RunningDaemon.shortenedSchedule)")
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "\(attacker):\(rootBin):/usr/bin:/bin"
        let daemon = try RunningDaemon(config: config, environment: environment)
        #expect(eventually(40) { TextFile.lines(trustedLog).count >= 1 }, "\(daemon.text)")
        // Empty when the configuration was loaded; the attacker plants the hook now.
        try hook(in: attacker, logging: attackerLog, owner: FS.otherUser)
        let before = TextFile.lines(trustedLog).count
        #expect(eventually(40) { TextFile.lines(trustedLog).count > before }, "\(daemon.text)")
        #expect(!FS.exists(attackerLog), "\(daemon.text)")
    }
}
