import Foundation
import Testing

@testable import OCSPCore

/// Any output name the file system accepts works: the temp, lock and state names ocspd
/// derives from it never grow past NAME_MAX.
@Suite struct LongNameTests {
    static let longest = String(repeating: "a", count: Int(NAME_MAX) - 4) + ".der"
    /// 254 bytes of two-byte characters: a cut must fall between characters.
    static let longestAccented = String(repeating: "é", count: 127)

    @Test(arguments: [longest, longestAccented, "s.der", String(repeating: "x", count: 233)])
    func sidecarNamesFitInNAME_MAX(_ name: String) {
        for suffix in [OutputLock.suffix, StapleWriter.temporaryMarker + "locked", StapleWriter.temporaryMarker + "0123456789abcdef"] {
            let sidecar = SidecarName.make(for: name, suffix: suffix)
            #expect(sidecar.utf8.count <= Int(NAME_MAX))
            #expect(sidecar.hasPrefix(".") && sidecar.hasSuffix(suffix))
        }
    }

    @Test func twoLongNamesSharingTheirStartGetDifferentSidecars() {
        let start = String(repeating: "a", count: 250)
        #expect(SidecarName.make(for: start + "1", suffix: ".x") != SidecarName.make(for: start + "2", suffix: ".x"))
    }

    @Test func aShortNameKeepsItsPlainSidecar() {
        #expect(SidecarName.make(for: "mail.der", suffix: OutputLock.suffix) == ".mail.der.ocspd-lock")
    }

    @Test(arguments: [longest, longestAccented])
    func theLongestNameIsWrittenLockedAndRemembered(_ name: String) throws {
        let folder = try TestPKI.scratchFolder("long")
        let output = "\(folder)/\(name)"
        try StapleWriter.write([1, 2], to: output, temporary: .lockHeld)
        #expect(FileManager.default.contents(atPath: output) == Data([1, 2]))
        let store = StateStore(directory: "\(folder)/state")
        try store.prepare(forOutput: output)
        let lock = try #require(try store.lock(for: output))
        var state = StapleState(outputPath: output)
        state.consecutiveFailures = 3
        try store.save(state, for: output)
        #expect(store.load(for: output).consecutiveFailures == 3)
        withExtendedLifetime(lock) {}
    }

    @Test func refreshWritesAStapleWithThe255ByteName() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let output = "\(scenario.folder)/\(Self.longest)"
        let result = try scenario.runRefresh(output: output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: output))
    }
}
