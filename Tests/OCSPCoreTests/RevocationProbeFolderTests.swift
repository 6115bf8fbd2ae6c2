import Foundation
import Testing

@testable import OCSPCore

/// The folder the revocation-record probe looks in beside a staple: found by bytes for ASCII
/// paths, exactly where the character-based search finds it.
struct RevocationProbeFolderTests {
    @Test(arguments: [
        "/srv/out/mail.der", "/a", "a", "", "/", "//", "a/b/", "/a\r\n/b", "\r\n/x", "/é/b.der", "/a/e\u{301}/c", "/a/\u{301}/b",
        "/x/y/\u{301}", "relative/path/x.der", "/tab\t/cr\r/lf\n/end",
    ])
    func theLastSlashIsTheOneTheCharacterSearchFinds(path: String) {
        #expect(RevocationLedger.lastSlash(in: path) == path.lastIndex(of: "/"))
    }

    @Test(arguments: [("/srv/out/mail.der", "/srv/out"), ("/a", "/"), ("a", "."), ("a/b", "a"), ("/é/b.der", "/é")])
    func theFolderIsWhatComesBeforeIt(path: String, folder: String) {
        #expect(RevocationLedger.folder(of: path) == folder)
    }

    @Test func aRecordBesideTheRealStapleOfALinkedOutputIsFoundWhatTheReadSaysOfTheLink() throws {
        let top = try TestPKI.scratchFolder("probe-link")
        try FileSystemFixtures.folder("\(top)/real")
        try FileSystemFixtures.folder("\(top)/out")
        try FileSystemFixtures.folder("\(top)/state")
        try FileSystemFixtures.file("\(top)/real/staple.der", [1])
        try FileSystemFixtures.file("\(top)/real/.ocspd-revoked-name", [2])
        try FileSystemFixtures.link("\(top)/out/staple.der", to: "../real/staple.der")
        try FileSystemFixtures.file("\(top)/out/plain.der", [1])
        let linked = RevocationLedger(stateDirectory: "\(top)/state", outputPath: "\(top)/out/staple.der")
        let seen = FileBytes.readNotingLink("\(top)/out/staple.der", maximum: 1 << 20).lastComponentPlain
        #expect(seen == false)
        #expect(linked.mayHoldRecord(named: "name"))
        #expect(linked.mayHoldRecord(named: "name", outputIsPlain: seen))
        // A plain output, said to be plain, is probed beside itself: nothing there.
        let plain = RevocationLedger(stateDirectory: "\(top)/state", outputPath: "\(top)/out/plain.der")
        #expect(!plain.mayHoldRecord(named: "name", outputIsPlain: true))
        #expect(!plain.mayHoldRecord(named: "name"))
    }
}
