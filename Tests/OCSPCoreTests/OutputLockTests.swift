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
        let first = StateStore(directory: "\(folder)/a")
        let second = StateStore(directory: "\(folder)/b")
        var held = try first.lock(for: output)
        #expect(held != nil)
        #expect(try second.lock(for: output) == nil)
        held = nil
        #expect(try second.lock(for: output) != nil)
    }

    @Test func aLinkAndTheFileItLeadsToShareOneLock() throws {
        let folder = try TestPKI.scratchFolder("lock")
        let real = "\(folder)/real.der"
        let link = "\(folder)/link.der"
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
            return (
                try ChildProcess(
                    [
                        OCSPDBinary.path, "refresh", "--chain", chain, "--output", scenario.output,
                        "--state-dir", "\(scenario.folder)/state-\(index)", "--force",
                    ], stdout: log, stderr: log), log
            )
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

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
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

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func aDeviceAtTheLockNameIsRefusedWithoutOpeningIt() throws {
        let folder = try TestPKI.scratchFolder("lock")
        try FileSystemFixtures.characterDevice("\(folder)/.mail.der.ocspd-lock")
        let error = #expect(throws: StateError.self) { _ = try StateStore(directory: "\(folder)/state").lock(for: "\(folder)/mail.der") }
        #expect(error?.description.contains("character device") == true, "\(String(describing: error))")
    }

    private func mode(_ path: String) -> mode_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : nil
    }

    private func groupOf(_ path: String) -> gid_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_gid : nil
    }

    @Test func theLockIsCreated0640() throws {
        // Readable by the group it is given: the lock is opened read-only (flock needs no more).
        let folder = try TestPKI.scratchFolder("lock")
        let held = try #require(try StateStore(directory: "\(folder)/state").lock(for: "\(folder)/mail.der"))
        #expect(mode("\(folder)/.mail.der.ocspd-lock") == 0o640)
        withExtendedLifetime(held) {}
    }

    @Test func aLockOnlyItsOwnerMayReadIsStillTakenByItsOwnerReadOnly() throws {
        let folder = try TestPKI.scratchFolder("lock")
        try FileSystemFixtures.file("\(folder)/.mail.der.ocspd-lock", [], mode: 0o400)
        let held = try #require(try StateStore(directory: "\(folder)/state").lock(for: "\(folder)/mail.der"))
        withExtendedLifetime(held) {}
    }

    @Test(arguments: [
        // (folder owner, folder group, folder mode) -> owner and group of a lock root creates
        (uid_t(0), gid_t(0), mode_t(0o755), nil as [UInt32]?),
        (0, 65534, 0o755, nil),
        (0, 65534, 0o775, [0, 65534]),
        (0, 0, 0o775, nil),
        (105, 105, 0o755, [105, 105]),
        (105, 65534, 0o775, [105, 65534]),
    ])
    func whoALockRootCreatesIsGivenTo(_ folderOwner: uid_t, _ folderGroup: gid_t, _ folderMode: mode_t, _ expected: [UInt32]?) {
        let owner = LockOwnership.owner(forFolderOwner: folderOwner, group: folderGroup, mode: folderMode)
        #expect(owner.map { [$0.uid, $0.gid] } == expected)
    }

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func aRootRunThenADaemonOfTheFolderGroupBothTakeTheLock() throws {
        // The red team's case: a root cron run in a root:nogroup 0775 staple folder used to
        // leave a root:root 0600 lock that the daemon (another user in that group) could never open.
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = try scenario.chainFile()
        let group: gid_t = 65534
        let shared = "\(scenario.folder)/shared"
        let output = "\(scenario.folder)/shared/www.der"
        try FileSystemFixtures.folder(shared, mode: 0o775)
        #expect(chown(shared, 0, group) == 0)
        let arguments = ["refresh", "--chain", chain, "--output", output, "--force"]
        let asRoot = try OCSPDBinary.run(arguments + ["--state-dir", "\(shared)/state-root"])
        #expect(asRoot.status == 0, "\(asRoot.stderr)")
        let lock = "\(shared)/.www.der.ocspd-lock"
        #expect(mode(lock) == 0o640)
        #expect(groupOf(lock) == group)
        let asDaemon = try Command.run(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=\(group)", "--clear-groups", OCSPDBinary.path]
                + arguments + ["--state-dir", "\(shared)/state-daemon"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(asDaemon.status == 0, "\(asDaemon.stderr)")
        #expect(asDaemon.stderr.contains("wrote \(output)"), "\(asDaemon.stderr)")
        // And root again, after the daemon.
        #expect(try OCSPDBinary.run(arguments + ["--state-dir", "\(shared)/state-root"]).status == 0)
    }

    /// Root takes the lock of an output in a root:65534 0775 folder, where a root-only (0600)
    /// lock file holding `content` already is; returns the lock file's path and the lock.
    private func takeLockOverARootOnlyFile(holding content: [UInt8]) throws -> (path: String, held: StapleLock) {
        let folder = try TestPKI.scratchFolder("lock")
        let shared = "\(folder)/shared"
        let lock = "\(folder)/shared/.mail.der.ocspd-lock"
        try FileSystemFixtures.folder(shared, mode: 0o775)
        guard chown(shared, 0, 65534) == 0 else { throw FileSystemFixtures.Failed("chown \(shared)") }
        try FileSystemFixtures.file(lock, content, mode: 0o600)
        return (lock, try #require(try StateStore(directory: "\(folder)/state").lock(for: "\(shared)/mail.der")))
    }

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func aRootOnlyLockAnEarlierOcspdLeftIsOpenedToTheFolderGroup() throws {
        let (lock, held) = try takeLockOverARootOnlyFile(holding: [])
        #expect(mode(lock) == 0o640)
        #expect(groupOf(lock) == 65534)
        withExtendedLifetime(held) {}
    }

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func aFileWithContentRenamedToTheLockNameIsNeverShownToTheGroup() throws {
        // Someone of the folder's group could rename root's secret there, hoping root opens it up.
        let (lock, held) = try takeLockOverARootOnlyFile(holding: Array("secret".utf8))
        #expect(mode(lock) == 0o600)
        #expect(groupOf(lock) == 0)
        withExtendedLifetime(held) {}
    }
}
