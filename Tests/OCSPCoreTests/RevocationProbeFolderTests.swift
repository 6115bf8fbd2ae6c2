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
}
