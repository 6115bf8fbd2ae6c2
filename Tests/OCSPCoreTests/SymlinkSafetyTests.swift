import Foundation
import Testing

@testable import OCSPCore

/// A symlink at or on the way to an output is followed only when no one but root or ocspd's
/// own user could have planted it; otherwise the output is refused and nothing is touched.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct SymlinkSafetyTests {
    typealias FS = FileSystemFixtures
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("links")
    }

    @Test func linkOwnedByAnotherUserInAFolderOthersMayWriteIsRefusedAndTheTargetUntouched() throws {
        // The Exim setup gone wrong: a staple folder others may write (sticky, like /tmp).
        let shared = "\(folder)/shared"
        try FS.folder(shared, mode: 0o1777)
        let victim = "\(folder)/victim"
        let link = "\(shared)/mail.der"
        try FS.file(victim, [7, 7, 7], mode: 0o600)
        try FS.link(link, to: victim, owner: FS.otherUser)
        let error = #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: link) }
        #expect(FS.contents(victim) == [7, 7, 7])
        #expect(FS.kind(link) == .symlink)
        let message = error?.description ?? ""
        #expect(message.contains(link) && message.contains("uid \(FS.otherUser)"), "\(message)")
    }

    @Test func linkOwnedByAnotherUserIsRefusedEvenInARootFolder() throws {
        let victim = "\(folder)/victim"
        let link = "\(folder)/mail.der"
        try FS.file(victim, [7])
        try FS.link(link, to: victim, owner: FS.otherUser)
        #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: link) }
        #expect(throws: StapleWriteError.self) { try StapleWriter.remove(link) }
        #expect(FS.contents(victim) == [7])
    }

    @Test func removalThroughAnUntrustedLinkIsRefusedAndTheTargetStays() throws {
        let shared = "\(folder)/shared"
        try FS.folder(shared, owner: FS.otherUser)
        let victim = "\(folder)/victim"
        let link = "\(shared)/mail.der"
        try FS.file(victim, [7])
        try FS.link(link, to: victim, owner: FS.otherUser)
        #expect(throws: StapleWriteError.self) { try StapleWriter.remove(link) }
        #expect(FS.contents(victim) == [7])
    }

    @Test func danglingLinkIsRefusedAndNothingIsCreated() throws {
        let missing = "\(folder)/nowhere.der"
        let link = "\(folder)/mail.der"
        try FS.link(link, to: missing)
        #expect(throws: StapleWriteError.danglingLink(link: link, target: missing)) { try StapleWriter.write([1], to: link) }
        #expect(!FS.exists(missing))
        #expect(FS.kind(link) == .symlink)
    }

    @Test func rootOwnedLinkInARootFolderIsFollowedTheTargetReplacedAndTheLinkStays() throws {
        let target = "\(folder)/real.ocsp"
        let link = "\(folder)/link.ocsp"
        try StapleWriter.write([1], to: target)
        try FS.link(link, to: target)
        let written = try StapleWriter.write([9], to: link)
        #expect(written == target)
        #expect(FS.contents(target) == [9])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
    }

    @Test func relativeLinkIsFollowedWithinItsFolder() throws {
        try FS.folder("\(folder)/archive")
        try FS.file("\(folder)/archive/real.ocsp", [1])
        try FS.link("\(folder)/link.ocsp", to: "archive/../archive/real.ocsp")
        #expect(try StapleWriter.write([2], to: "\(folder)/link.ocsp") == "\(folder)/archive/real.ocsp")
        #expect(FS.contents("\(folder)/archive/real.ocsp") == [2])
    }

    @Test func rootOwnedLinkIntoAFolderOfAnotherUserIsRefused() throws {
        let theirs = "\(folder)/theirs"
        try FS.folder(theirs, owner: FS.otherUser)
        try FS.file("\(theirs)/real.der", [7])
        try FS.link("\(folder)/mail.der", to: "\(theirs)/real.der")
        let error = #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: "\(folder)/mail.der") }
        #expect(error?.description.contains(theirs) == true, "\(String(describing: error))")
        #expect(FS.contents("\(theirs)/real.der") == [7])
    }

    @Test func rootOwnedLinkIntoAGroupWritableFolderIsRefused() throws {
        let shared = "\(folder)/shared"
        try FS.folder(shared, mode: 0o775)
        try FS.link("\(folder)/mail.der", to: "\(shared)/real.der")
        try FS.file("\(shared)/real.der", [7])
        #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: "\(folder)/mail.der") }
        #expect(FS.contents("\(shared)/real.der") == [7])
    }

    @Test func folderLinkOnTheWayOwnedByAnotherUserIsRefused() throws {
        try FS.folder("\(folder)/elsewhere")
        try FS.link("\(folder)/staples", to: "\(folder)/elsewhere", owner: FS.otherUser)
        #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: "\(folder)/staples/mail.der") }
        #expect(!FS.exists("\(folder)/elsewhere/mail.der"))
    }

    @Test func plainFileInAFolderOfAnotherUserIsStillWritten() throws {
        // docs/exim.md's setup: a staple folder owned by the ocspd user, cron as root.
        let theirs = "\(folder)/theirs"
        try FS.folder(theirs, owner: FS.otherUser)
        try StapleWriter.write([1], to: "\(theirs)/mail.der")
        #expect(FS.contents("\(theirs)/mail.der") == [1])
    }

    @Test func refreshThroughAnUntrustedLinkFailsNamingTheLinkAndItsOwner() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let victim = "\(scenario.folder)/victim"
        try FS.file(victim, Array("secret: do not print\n".utf8), mode: 0o600)
        try FS.link(scenario.output, to: victim, owner: FS.otherUser)
        let result = try scenario.runRefresh(["--target", "exim"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(scenario.output) && result.stderr.contains("uid \(FS.otherUser)"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret"))
        #expect(FS.contents(victim) == Array("secret: do not print\n".utf8))
    }

    @Test func refreshThroughATrustedLinkLogsTheFileReallyWritten() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let real = "\(scenario.folder)/real.ocsp"
        try FS.link(scenario.output, to: real)
        try FS.file(real, [])
        let result = try scenario.runRefresh()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote \(real)"), "\(result.stderr)")
        #expect(FS.kind(scenario.output) == .symlink)
        #expect((FS.contents(real)?.count ?? 0) > 0)
    }

    @Test func plantedLinkAtTheStateFileIsNotFollowed() throws {
        let store = StateStore(directory: "\(folder)/state")
        let output = "\(folder)/out/mail.der"
        try FS.folder("\(folder)/out")
        try store.prepare(forOutput: output)
        let victim = "\(folder)/victim"
        try FS.file(victim, [7])
        try FS.link(store.statePath(for: output), to: victim, owner: FS.otherUser)
        #expect(throws: AtomicWriteError.self) { try store.save(StapleState(outputPath: output), for: output) }
        #expect(FS.contents(victim) == [7])
        #expect(store.load(for: output) == StapleState(outputPath: StateStore.absolute(output)))
    }

    @Test func plantedLinkAtTheLockIsNotFollowed() throws {
        let store = StateStore(directory: "\(folder)/state")
        let output = "\(folder)/mail.der"
        try store.prepare(forOutput: output)
        let victim = "\(folder)/victim"
        try FS.link(store.lockPath(for: output), to: victim)
        #expect(throws: StateError.self) { _ = try store.lock(for: output) }
        #expect(!FS.exists(victim))
    }

    @Test func plantedFolderAtTheTempNameIsNamedAsSuch() throws {
        let output = "\(folder)/mail.der"
        try FS.folder(StapleWriter.lockedTemporaryPath(for: output))
        let error = #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: output, temporary: .lockHeld) }
        let message = error?.description ?? ""
        #expect(message.contains("a folder") && !message.contains("check that the folder exists"), "\(message)")
        #expect(!FS.exists(output))
    }
}

/// The link rule itself, apart from the file system.
@Suite struct PathTrustTableTests {
    let trust = PathTrust(owners: [0, 1000])

    @Test(arguments: [
        // owner, mode, child owner, expected
        (uid_t(0), mode_t(0o755), uid_t?(0), PathTrust.FolderProblem?.none),
        (1000, 0o700, 1000, nil),
        (0, 0o1777, 0, nil), // /tmp for what root owns
        (0, 0o1777, 1000, nil),
        (0, 0o1777, nil, nil), // a name ocspd creates itself
        (0, 0o1777, 65534, .writableByOthers), // sticky is no help for someone else's entry
        (0, 0o777, 0, .writableByOthers),
        (0, 0o775, 0, .writableByOthers),
        (0, 0o757, 0, .writableByOthers),
        (65534, 0o755, 0, .foreignOwner),
    ])
    func folderRule(owner: uid_t, mode: mode_t, child: uid_t?, expected: PathTrust.FolderProblem?) {
        #expect(trust.folderProblem(owner: owner, mode: mode, childOwner: child) == expected)
    }

    @Test func aLinkOfAnotherUserIsNeverFollowedWhateverItsFolder() {
        #expect(trust.linkProblem(linkOwner: 65534, folderOwner: 0, folderMode: 0o755) == .foreignLink)
        #expect(trust.linkProblem(linkOwner: 65534, folderOwner: 0, folderMode: 0o1777) == .foreignLink)
        #expect(trust.linkProblem(linkOwner: 0, folderOwner: 65534, folderMode: 0o755) == .folder(.foreignOwner))
        #expect(trust.linkProblem(linkOwner: 1000, folderOwner: 0, folderMode: 0o1777) == nil)
    }

    @Test func rootOnlyTrustsRootAlone() {
        #expect(!PathTrust.rootOnly.trusts(owner: 1000))
        #expect(PathTrust.rootOnly.trusts(owner: 0))
    }
}
