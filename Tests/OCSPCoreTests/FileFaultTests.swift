import Foundation
import Testing

@testable import OCSPCore

/// Bad files and a hostile machine: each refused with a message naming the file, nothing lost.
@Suite struct FileFaultTests {
    static var canMakeImmutable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") && getuid() == 0
    }

    @Test(.enabled(if: FileFaultTests.canMakeImmutable))
    func readOnlyOutputFolderKeepsTheStapleAndNamesTheFolder() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let folder = "\(scenario.folder)/ro"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = "\(folder)/staple.der"
        #expect(try scenario.runRefresh(output: output).status == 0)
        let before = FileManager.default.contents(atPath: output)
        // Immutable even for root, which ignores permission bits.
        try Command.run("/usr/bin/chattr", ["+i", folder])
        defer { _ = try? Command.run("/usr/bin/chattr", ["-i", folder]) }
        let result = try scenario.runRefresh(["--force"], output: output)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cannot create a file in \(folder)"))
        #expect(FileManager.default.contents(atPath: output) == before)
    }

    @Test func missingOutputFolderIsNamed() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(output: "\(scenario.folder)/missing/staple.der")
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot create a file in \(scenario.folder)/missing"))
    }

    @Test func outputThatIsAFolderIsNamed() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let folder = "\(scenario.folder)/looks-like-a-file.der"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try scenario.runRefresh(output: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("the output \(folder) is a directory"))
    }

    @Test func expiredLeafIsAnErrorThatSaysRenew() throws {
        let scenario = try Scenario(leafNotAfter: Date().addingTimeInterval(-3600))
        try scenario.startResponder()
        let result = try scenario.runRefresh()
        #expect(result.status == 2)
        #expect(result.stderr.contains("expired at"))
        #expect(result.stderr.contains("renew it"))
    }

    @Test(arguments: ["not pem at all", "", "-----BEGIN CERTIFICATE-----\nMIIB", "key-only", "folder"])
    func badChainIsNamedAndNothingIsWritten(kind: String) throws {
        let scenario = try Scenario()
        let path = "\(scenario.folder)/bad-chain.pem"
        switch kind {
        case "key-only": try FileManager.default.copyItem(atPath: scenario.leaf.keyPath, toPath: path)
        case "folder": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        default: try kind.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let result = try scenario.runRefresh(chain: path)
        #expect(result.status == 2)
        #expect(result.stderr.contains(path), "\(result.stderr)")
        #expect(!result.stderr.contains("PRIVATE KEY"))
        #expect(scenario.stapleBytes == nil)
    }
}
