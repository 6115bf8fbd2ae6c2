import Foundation
import Testing

@testable import OCSPCore

/// Running as root, a configuration path that cannot be followed to its end is not trusted,
/// and the bytes parsed are read from the descriptor whose owner and mode were checked: a
/// folder renamed away for the moment of the check, and back for the read, gets nothing in.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct ConfigTrustRaceTests {
    typealias FS = FileSystemFixtures
    let scenario: Scenario
    let folder: String

    init() throws {
        scenario = try Scenario()
        folder = scenario.folder
    }

    private func configuration() throws -> [UInt8] {
        Array("staples:\n  - chain: \(try scenario.chainFile())\n    output: \(scenario.output)\n".utf8)
    }

    private func problems(loading path: String) -> String? {
        do {
            _ = try ConfigurationLoader.load(path: path)
            return nil
        } catch {
            return error.description
        }
    }

    /// Renames `from` to `to` and back until stopped, staying at each name for a varying
    /// few microseconds, so that some check lands on one name and its read on the other.
    final class FolderToggler: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private let done = DispatchSemaphore(value: 0)
        private var toggles = 0

        init(_ from: String, _ to: String) {
            Thread.detachNewThread { [self] in
                var pause: useconds_t = 0
                while !isStopped {
                    pause = (pause + 7) % 60
                    guard rename(from, to) == 0 else { break }
                    usleep(pause)
                    guard rename(to, from) == 0 else { break }
                    usleep(pause)
                    count()
                }
                done.signal()
            }
        }

        private var isStopped: Bool { lock.withLock { stopped } }
        private func count() { lock.withLock { toggles += 1 } }

        /// Stops and waits for the thread, leaving the folder at its first name.
        func stop() -> Int {
            lock.withLock { stopped = true }
            done.wait()
            return lock.withLock { toggles }
        }
    }

    @Test func aFolderOfAnotherUserRenamedBackAndForthOnThePathNeverGetsTheConfigurationAccepted() throws {
        // The attacker owns `evil` and everything in it, and toggles `evil/sub` away and back:
        // a check that found the folder missing once said "trusted", and a read by name then
        // took the attacker's file.
        let evil = "\(folder)/evil"
        try FS.folder(evil, owner: FS.otherUser)
        try FS.folder("\(evil)/sub", owner: FS.otherUser)
        let path = "\(evil)/sub/ocspd.yaml"
        try FS.file(path, try configuration(), owner: FS.otherUser)
        let toggler = FolderToggler("\(evil)/sub", "\(evil)/away")
        var accepted = 0
        var namingTheFolder = 0
        for _ in 0..<200 {
            switch problems(loading: path) {
            case nil: accepted += 1
            case let message?: if message.contains("chown root \(evil)") { namingTheFolder += 1 }
            }
        }
        let toggles = toggler.stop()
        #expect(accepted == 0, "accepted \(accepted) of 200 loads while the folder was renamed \(toggles) times")
        #expect(namingTheFolder == 200, "every refusal names the folder the attacker owns")
    }

    @Test func aConfigurationBehindAMissingFolderIsRefusedNamingTheFolder() throws {
        let message = problems(loading: "\(folder)/gone/ocspd.yaml")
        #expect(message?.contains("the folder \(folder)/gone does not exist") == true, "\(message ?? "accepted")")
    }

    @Test func aMissingFolderInsideAFolderOfAnotherUserIsRefusedNamingTheUntrustedFolder() throws {
        // The attacker's folder is what made the path end early: that is what to fix.
        let evil = "\(folder)/evil"
        try FS.folder(evil, owner: FS.otherUser)
        let message = problems(loading: "\(evil)/renamed-away/ocspd.yaml")
        #expect(message?.contains("chown root \(evil)") == true, "\(message ?? "accepted")")
    }

    @Test func aFileWhereAFolderShouldBeIsRefused() throws {
        try FS.file("\(folder)/plain", [])
        let message = problems(loading: "\(folder)/plain/ocspd.yaml")
        #expect(message?.contains("\(folder)/plain is a regular file, not a folder") == true, "\(message ?? "accepted")")
    }

    @Test func checkConfigRefusesAConfigurationBehindAMissingFolderWithExit78() throws {
        let result = try OCSPDBinary.run(["run", "--config", "\(folder)/gone/ocspd.yaml", "--check-config"])
        #expect(result.status == ExitStatus.configuration)
        #expect(result.stderr.contains("\(folder)/gone does not exist"), "\(result.stderr)")
    }

    @Test func aConfigurationOfRootInATrustedFolderIsStillReadThroughALinkOfRoot() throws {
        let real = "\(folder)/real.yaml"
        try FS.file(real, try configuration())
        try FS.link("\(folder)/ocspd.yaml", to: real)
        #expect(problems(loading: "\(folder)/ocspd.yaml") == nil)
    }
}
