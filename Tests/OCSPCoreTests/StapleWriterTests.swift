import Foundation
import Testing

@testable import OCSPCore

/// Atomic replacement of the staple file.
@Suite struct StapleWriterTests {
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("writer")
    }

    private var leftovers: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.contains(StapleWriter.temporaryMarker) }
    }

    @Test func newFileGetsMode0644AndNoTempFileRemains() throws {
        let path = "\(folder)/a.ocsp"
        try StapleWriter.write([1, 2, 3], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o644)
        #expect(leftovers.isEmpty)
    }

    @Test func replacingKeepsTheExistingMode() throws {
        let path = "\(folder)/b.ocsp"
        try StapleWriter.write([1], to: path)
        chmod(path, 0o640)
        try StapleWriter.write([2], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([2]))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o640)
    }

    /// Followed because root or this user owns the link and its folders; see SymlinkSafetyTests for the rule.
    @Test func symlinkOwnedByUsInOurFolderIsWrittenThroughAndStaysALink() throws {
        let target = "\(folder)/real.ocsp"
        let link = "\(folder)/link.ocsp"
        try StapleWriter.write([1], to: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try StapleWriter.write([9], to: link)
        #expect(FileManager.default.contents(atPath: target) == Data([9]))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
    }

    @Test func outputThatIsAFolderIsRefused() throws {
        #expect(throws: StapleWriteError.outputIsDirectory(path: folder)) { try StapleWriter.write([1], to: folder) }
    }

    @Test func missingFolderIsAClearError() throws {
        #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: "\(folder)/no/such/dir/x.ocsp") }
    }

    @Test func tempFilesAreDotNamedForHAProxy() throws {
        // HAProxy loads every non-dot file in a crt folder: a temp file must never look like one.
        let path = "\(folder)/site.pem.ocsp"
        try StapleWriter.write([1], to: path)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names == ["site.pem.ocsp"])
    }

    private func status(_ path: String) throws -> stat {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw FileSystemFixtures.Failed("lstat \(path)") }
        return status
    }

    @Test func replacingNeverCarriesGroupOrOtherWriteBits() throws {
        let path = "\(folder)/w.ocsp"
        try StapleWriter.write([1], to: path)
        chmod(path, 0o666)
        try StapleWriter.write([2], to: path)
        #expect(try status(path).st_mode & 0o7777 == 0o644)
    }

    @Test(arguments: [
        // (existing owner, existing mode, folder mode) -> owner kept, mode; the writer is root.
        (uid_t(65534), mode_t(0o666), mode_t(0o1777), false, mode_t(0o644)),
        (65534, 0o640, 0o775, false, 0o640),
        (65534, 0o640, 0o755, true, 0o640),
        (0, 0o640, 0o1777, true, 0o640),
        (0, 0o4755, 0o755, true, 0o644),
        (33, 0o620, 0o750, true, 0o600),
    ])
    func whatANewStapleTakesOverFromTheFileItReplaces(
        _ owner: uid_t, _ mode: mode_t, _ folderMode: mode_t, _ keepsOwner: Bool, _ newMode: mode_t
    ) {
        var existing = stat()
        var folder = stat()
        existing.st_uid = owner
        existing.st_gid = owner
        existing.st_mode = S_IFREG | mode
        folder.st_mode = S_IFDIR | folderMode
        let inherited = InheritedOwnership(existing: existing, folder: folder, runningUser: 0)
        #expect(inherited.mode == newMode)
        #expect(inherited.owner.map { [$0.uid, $0.gid] } == (keepsOwner ? [owner, owner] : nil))
    }

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func aFilePlantedInAWorldWritableStickyFolderLendsNeitherOwnerNorWriteBits() throws {
        let sticky = "\(folder)/sticky"
        let path = "\(folder)/sticky/www.der"
        try FileSystemFixtures.folder(sticky, mode: 0o1777)
        try FileSystemFixtures.file(path, [0], owner: FileSystemFixtures.otherUser, mode: 0o666)
        try StapleWriter.write([1], to: path)
        let written = try status(path)
        #expect(written.st_uid == 0)
        #expect(written.st_gid == 0)
        #expect(written.st_mode & 0o7777 == 0o644)
    }

    @Test(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
    func anOwnerChosenInAFolderOnlyRootWritesIsKept() throws {
        // nginx reading as www-data: the operator chowned the staple, and no one else could have.
        let path = "\(folder)/nginx.der"
        try FileSystemFixtures.file(path, [0], owner: FileSystemFixtures.otherUser, mode: 0o640)
        try StapleWriter.write([1], to: path)
        let written = try status(path)
        #expect(written.st_uid == FileSystemFixtures.otherUser)
        #expect(written.st_gid == FileSystemFixtures.otherUser)
        #expect(written.st_mode & 0o7777 == 0o640)
    }

    @Test(arguments: ["newdir/", "newdir/.", "newdir/.."])
    func anOutputEndingInASlashIsRefusedAndCreatesNothing(_ suffix: String) throws {
        let path = "\(folder)/\(suffix)"
        let error = #expect(throws: StapleWriteError.namesAFolder(path: path)) { try StapleWriter.write([1], to: path) }
        #expect(error?.description.contains("names a folder; --output names the staple file itself") == true)
        #expect(throws: StapleWriteError.namesAFolder(path: path)) { try StapleWriter.remove(path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func anExistingFolderWithATrailingSlashIsRefusedAsAFolder() throws {
        #expect(throws: StapleWriteError.namesAFolder(path: folder + "/")) { try StapleWriter.write([1], to: folder + "/") }
    }

    @Test func refreshWithAnOutputEndingInASlashSaysItNamesAFolder() throws {
        let scenario = try Scenario()
        let output = "\(scenario.folder)/newdir/"
        let result = try scenario.runRefresh(output: output)
        #expect(result.status != 0)
        #expect(result.stderr.contains("names a folder; --output names the staple file itself"), "\(result.stderr)")
        #expect(!FileSystemFixtures.exists("\(scenario.folder)/newdir"))
    }
}
