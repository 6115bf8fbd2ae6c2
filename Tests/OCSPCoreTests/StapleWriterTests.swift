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
        let target = "\(folder)/real.ocsp", link = "\(folder)/link.ocsp"
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
}
