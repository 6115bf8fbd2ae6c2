import Foundation
import Testing

@testable import OCSPCore

/// Another process holding an output's lock (another ocspd, or anyone who can open the lock
/// file in the staple's folder) never makes ocspd report a staple that is not there: the
/// staple on disk is judged without the lock, and the exit code says what is in place.
@Suite struct LockHeldTests {

    @Test func aHeldLockAndGarbageAtTheOutputExit2NamingTheLock() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        try FileSystemFixtures.file(scenario.output, Array("not a proof".utf8))
        let holder = try ForeignLockHolder(lockFor: scenario.output)
        let result = try scenario.runRefresh()
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("holds the lock \(holder.path)"), "\(result.stderr)")
        #expect(result.stderr.contains("No valid staple is in place"), "\(result.stderr)")
        #expect(scenario.stapleBytes == Array("not a proof".utf8))
        withExtendedLifetime(holder) {}
    }

    @Test func aHeldLockAndNoStapleExit2() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let holder = try ForeignLockHolder(lockFor: scenario.output)
        let result = try scenario.runRefresh(["--force"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("holds the lock \(holder.path)"), "\(result.stderr)")
        #expect(scenario.stapleBytes == nil)
        withExtendedLifetime(holder) {}
    }

    @Test func aHeldLockWithAValidStapleInPlaceExits0AndSaysSo() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let before = scenario.stapleBytes
        let holder = try ForeignLockHolder(lockFor: scenario.output)
        let result = try scenario.runRefresh(["--force"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("another ocspd is refreshing \(scenario.output) right now (it holds the lock \(holder.path))"),
            "\(result.stderr)")
        #expect(result.stderr.contains("The staple in place is valid"), "\(result.stderr)")
        #expect(scenario.stapleBytes == before)
        withExtendedLifetime(holder) {}
    }

    @Test func aHeldLockCountsAsNoValidStapleInTheWorstOutcomeOfAConfiguration() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let config = "\(scenario.folder)/ocspd.yaml"
        let second = "\(scenario.folder)/second.der"
        try """
        state-dir: \(scenario.stateDirectory)
        defaults:
          target: generic
        staples:
          - chain: \(try scenario.chainFile())
            output: \(scenario.output)
          - chain: \(try scenario.chainFile())
            output: \(second)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let holder = try ForeignLockHolder(lockFor: second)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(scenario.stapleBytes != nil)
        #expect(FileSystemFixtures.contents(second) == nil)
        withExtendedLifetime(holder) {}
    }
}
