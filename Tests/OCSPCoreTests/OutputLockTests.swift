import Foundation
import Testing
@testable import OCSPCore

/// One writer per output, whatever state folder each ocspd uses: the lock is beside the output.
@Suite struct OutputLockTests {
    @Test func aWriterWithAnotherStateFolderFindsTheOutputBusyAndNoStapleInPlace() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let other = StateStore(directory: "\(scenario.folder)/other-state")
        try other.prepare(forOutput: scenario.output)
        let held = try #require(try other.lock(for: scenario.output))
        let result = try scenario.runRefresh()
        // Nothing was written while the other held the lock: 2 says so (see LockHeldTests).
        #expect(result.status == 2)
        #expect(result.stderr.contains("another ocspd is refreshing"), "\(result.stderr)")
        #expect(scenario.stapleBytes == nil)
        withExtendedLifetime(held) {}
    }

    @Test func twoStoresShareOneLockPerOutput() throws {
        let folder = try TestPKI.scratchFolder("lock")
        let output = "\(folder)/mail.der"
        let first = StateStore(directory: "\(folder)/a"), second = StateStore(directory: "\(folder)/b")
        var held = try first.lock(for: output)
        #expect(held != nil)
        #expect(try second.lock(for: output) == nil)
        held = nil
        #expect(try second.lock(for: output) != nil)
    }

    @Test func aLinkAndTheFileItLeadsToShareOneLock() throws {
        let folder = try TestPKI.scratchFolder("lock")
        let real = "\(folder)/real.der", link = "\(folder)/link.der"
        try FileSystemFixtures.link(link, to: real)
        try FileSystemFixtures.file(real, [1])
        let held = try #require(try StateStore(directory: "\(folder)/a").lock(for: real))
        #expect(try StateStore(directory: "\(folder)/b").lock(for: link) == nil)
        withExtendedLifetime(held) {}
    }

    @Test func theLockIsADotFileBesideTheOutput() throws {
        let folder = try TestPKI.scratchFolder("lock")
        let output = "\(folder)/site.pem.ocsp"
        let held = try #require(try StateStore(directory: "\(folder)/state").lock(for: output))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/.site.pem.ocsp.ocspd-lock"))
        withExtendedLifetime(held) {}
    }

    @Test func aFIFOAtTheLockNameIsRefusedWithoutHanging() throws {
        let folder = try TestPKI.scratchFolder("lock")
        let output = "\(folder)/mail.der"
        try FileSystemFixtures.fifo("\(folder)/.mail.der.ocspd-lock")
        let error = #expect(throws: StateError.self) { _ = try StateStore(directory: "\(folder)/state").lock(for: output) }
        #expect(error?.description.contains("FIFO") == true, "\(String(describing: error))")
    }

    @Test func concurrentRunsWithDifferentStateFoldersWriteInTurnAndLeaveOneValidStaple() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = try scenario.chainFile()
        let runs = try [0, 1].map { index -> (ChildProcess, String) in
            let log = "\(scenario.folder)/run-\(index).log"
            return (try ChildProcess([OCSPDBinary.path, "refresh", "--chain", chain, "--output", scenario.output,
                                      "--state-dir", "\(scenario.folder)/state-\(index)", "--force"], stdout: log, stderr: log), log)
        }
        #expect(runs.map { $0.0.wait() } == [0, 0])
        let logs = runs.map { String(decoding: FileManager.default.contents(atPath: $0.1) ?? Data(), as: UTF8.self) }
        let writers = logs.filter { $0.contains("wrote \(scenario.output)") }.count
        let busy = logs.filter { $0.contains("another ocspd is refreshing") }.count
        // Either one after the other (both write, in turn) or one finds the other at work.
        #expect(writers + busy == 2, "\(logs)")
        #expect(scenario.temporaryFiles.isEmpty)
        let bytes = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get().status == .good)
    }

    @Test(.enabled(if: FileSystemFixtures.isRoot, FileSystemFixtures.needsRoot))
    func aLockRootCreatesInAFolderOfAnotherUserIsHandedToThatUser() throws {
        // Cron as root first, the daemon as the folder's owner later: both must be able to lock.
        let folder = try TestPKI.scratchFolder("lock")
        let theirs = "\(folder)/theirs"
        try FileSystemFixtures.folder(theirs, owner: FileSystemFixtures.otherUser)
        let held = try #require(try StateStore(directory: "\(folder)/state").lock(for: "\(theirs)/mail.der"))
        let owner = try FileManager.default.attributesOfItem(atPath: "\(theirs)/.mail.der.ocspd-lock")[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == FileSystemFixtures.otherUser)
        withExtendedLifetime(held) {}
    }

    @Test(.enabled(if: FileSystemFixtures.isRoot, FileSystemFixtures.needsRoot))
    func aDeviceAtTheLockNameIsRefusedWithoutOpeningIt() throws {
        let folder = try TestPKI.scratchFolder("lock")
        try FileSystemFixtures.characterDevice("\(folder)/.mail.der.ocspd-lock")
        let error = #expect(throws: StateError.self) { _ = try StateStore(directory: "\(folder)/state").lock(for: "\(folder)/mail.der") }
        #expect(error?.description.contains("character device") == true, "\(String(describing: error))")
    }
}
