import Foundation
import Testing

@testable import OCSPCore

/// Running as root, ocspd trusts a configuration and its hooks only when no one but root may
/// change them: the file, every folder on its path, and every link on the way.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct ConfigTrustTests {
    typealias FS = FileSystemFixtures
    let scenario: Scenario
    let folder: String

    init() throws {
        scenario = try Scenario()
        folder = scenario.folder
    }

    private func configuration(hook: String? = nil) throws -> String {
        let hookLine = hook.map { "\n    hook: [\($0)]" } ?? ""
        return """
            staples:
              - chain: \(try scenario.chainFile())
                output: \(scenario.output)\(hookLine)

            """
    }

    private func problems(loading path: String) -> String {
        do {
            _ = try ConfigurationLoader.load(path: path)
            return ""
        } catch {
            return error.description
        }
    }

    @Test func aConfigurationOwnedByRootAloneIsLoaded() throws {
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8))
        #expect(problems(loading: path) == "")
    }

    @Test func aConfigurationOwnedByAnotherUserIsRefusedSayingWhatToDo() throws {
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8), owner: FS.otherUser)
        let message = problems(loading: path)
        #expect(message.contains(path) && message.contains("uid \(FS.otherUser)") && message.contains("chown root"), "\(message)")
    }

    @Test func aGroupWritableConfigurationIsRefused() throws {
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8), mode: 0o664)
        #expect(problems(loading: path).contains("chmod go-w"))
    }

    @Test func aConfigurationInAFolderOfAnotherUserIsRefused() throws {
        // docs/how-it-works.md's /etc/ocspd owned by the ocspd user, with a root --config run.
        let etc = "\(folder)/etc-ocspd"
        try FS.folder(etc, owner: FS.otherUser)
        let path = "\(etc)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8))
        let message = problems(loading: path)
        #expect(message.contains(etc) && message.contains("chown root \(etc)"), "\(message)")
    }

    @Test func aConfigurationReachedThroughALinkOfAnotherUserIsRefused() throws {
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8))
        try FS.link("\(folder)/link.yaml", to: path, owner: FS.otherUser)
        #expect(problems(loading: "\(folder)/link.yaml").contains("symlink"))
    }

    @Test func aHookOwnedByAnotherUserIsRefused() throws {
        let hook = "\(folder)/reload.sh"
        try FS.file(hook, Array("#!/bin/sh\nexit 0\n".utf8), owner: FS.otherUser, mode: 0o755)
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration(hook: hook).utf8))
        let message = problems(loading: path)
        #expect(message.contains("hook") && message.contains(hook) && message.contains("uid \(FS.otherUser)"), "\(message)")
    }

    @Test func aHookOwnedByRootIsAccepted() throws {
        let hook = "\(folder)/reload.sh"
        try FS.file(hook, Array("#!/bin/sh\nexit 0\n".utf8), mode: 0o755)
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration(hook: hook).utf8))
        #expect(problems(loading: path) == "")
    }

    @Test func refreshRefusesAnUntrustedConfigurationWithExit78() throws {
        let path = "\(folder)/ocspd.yaml"
        try FS.file(path, Array(try configuration().utf8), owner: FS.otherUser)
        let result = try OCSPDBinary.run(["refresh", "--config", path])
        #expect(result.status == ExitStatus.configuration)
        #expect(result.stderr.contains("chown root"), "\(result.stderr)")
        #expect(scenario.stapleBytes == nil)
    }

    @Test func anotherUserIsNotHeldToTheRootRule() {
        #expect(ConfigurationTrust.problem(with: "/etc/passwd", euid: 1000) == nil)
    }
}
