import Foundation
import Testing

@testable import OCSPCore

/// Paths are compared and keyed by their bytes: Swift's String equality is canonical Unicode
/// equivalence, and NFC and NFD `café.pem` are two files. A name in a watched folder that is
/// not UTF-8 is that chain's failure, never listed in a decoded form naming another file.
@Suite struct PathBytesTests {
    static let composed = "caf\u{E9}.pem"
    static let decomposed = "cafe\u{301}.pem"

    let scenario: Scenario

    init() throws {
        scenario = try Scenario()
        #expect(Self.composed == Self.decomposed)
        #expect(Array(Self.composed.utf8) != Array(Self.decomposed.utf8))
    }

    private func crtFolder(_ name: String = "crt") throws -> String {
        let crt = "\(scenario.folder)/\(name)"
        try FileManager.default.createDirectory(atPath: crt, withIntermediateDirectories: true)
        return crt
    }

    /// Puts a chain for `leaf` at `name` (bytes) in `folder`, by rename(2): nothing between
    /// the test and the kernel normalises the name.
    private func place(_ leaf: IssuedCertificate, in folder: String, as name: [UInt8]) throws {
        let chain = try scenario.pki.chainFile(for: leaf, in: scenario.folder)
        let target = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
        let renamed = target.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { rename(chain, $0.baseAddress) }
        }
        guard renamed == 0 else { throw FileSystemFixtures.Failed("rename \(chain)") }
    }

    private func config(_ body: String) throws -> String {
        let path = "\(scenario.folder)/ocspd-\(UUID().uuidString.prefix(4)).yaml"
        try "state-dir: \(scenario.stateDirectory)\ndefaults: { target: generic }\n\(body)".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The serial the staple at `path` answers for, read by its exact bytes.
    private func servedSerial(_ path: String) -> String? {
        guard case .success(let bytes) = FileBytes.read(path, maximum: 1 << 20), let response = try? OCSPResponse(derBytes: bytes) else {
            return nil
        }
        return response.basic?.responses.first?.certID.serialNumber
    }

    @Test func twoUnicodeSpellingsInAWatchedFolderAreTwoEntriesEachWithItsOwnProof() throws {
        let first = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let second = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        try scenario.startResponder()
        let crt = try crtFolder()
        try place(first, in: crt, as: Array(Self.composed.utf8))
        try place(second, in: crt, as: Array(Self.decomposed.utf8))
        let path = try config("directories:\n  - path: \(crt)\n")
        let checked = try OCSPDBinary.run(["run", "--config", path, "--check-config"])
        #expect(checked.status == 0, "\(checked.stderr)")
        let result = try OCSPDBinary.run(["refresh", "--config", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(servedSerial("\(crt)/\(Self.composed).ocsp") == first.serial)
        #expect(servedSerial("\(crt)/\(Self.decomposed).ocsp") == second.serial)
        #expect(
            Configuration.DirectorySource(path: crt, outputDirectory: nil, template: RefreshJob(chainPath: "", outputPath: "")).scan().jobs
                .count
                == 2)
    }

    @Test func theDaemonKeepsTwoUnicodeSpellingsApart() throws {
        let first = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let second = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        try scenario.startResponder()
        let crt = try crtFolder()
        let out = try crtFolder("out")
        try place(first, in: crt, as: Array(Self.composed.utf8))
        try place(second, in: crt, as: Array(Self.decomposed.utf8))
        let daemon = try RunningDaemon(config: try config("watch-interval: 1h\ndirectories:\n  - { path: \(crt), output-dir: \(out) }\n"))
        #expect(
            eventually(15) {
                servedSerial("\(out)/\(Self.composed).ocsp") == first.serial
                    && servedSerial("\(out)/\(Self.decomposed).ocsp") == second.serial
            }, "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func listedOutputsInTwoUnicodeSpellingsAreTwoFiles() throws {
        let chain = try scenario.chainFile()
        let path = try config(
            """
            staples:
              - { chain: \(chain), output: \(scenario.folder)/\(Self.composed).der }
              - { chain: \(chain), output: \(scenario.folder)/\(Self.decomposed).der }
            """)
        let configuration = try ConfigurationLoader.load(path: path)
        #expect(configuration.jobs().count == 2)
        #expect(
            OutputIdentity.of("\(scenario.folder)/\(Self.composed).der") != OutputIdentity.of("\(scenario.folder)/\(Self.decomposed).der"))
    }

    @Test func aChainNameThatIsNotUTF8FailsAloneNamingTheFolderAndTheEscapedBytes() throws {
        try scenario.startResponder()
        let crt = try crtFolder()
        try place(scenario.leaf, in: crt, as: Array("good.pem".utf8))
        try place(try scenario.pki.issueLeaf(ocspURLs: [scenario.url]), in: crt, as: Array("n".utf8) + [0xFF] + Array("n.pem".utf8))
        let path = try config("directories:\n  - path: \(crt)\n")
        let checked = try OCSPDBinary.run(["run", "--config", path, "--check-config"])
        #expect(checked.status == 78, "\(checked.stderr)")
        #expect(checked.stderr.contains("the folder \(crt) holds a chain named n\\xFFn.pem, which is not UTF-8 text"), "\(checked.stderr)")
        let result = try OCSPDBinary.run(["refresh", "--config", path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("n\\xFFn.pem"), "\(result.stderr)")
        #expect(servedSerial("\(crt)/good.pem.ocsp") == scenario.leaf.serial)
        let names = try FileManager.default.contentsOfDirectory(atPath: crt)
        #expect(names.filter { $0.hasSuffix(".ocsp") } == ["good.pem.ocsp"], "\(names)")
        // The monitoring plugin shows the chain nobody maintains.
        let check = try OCSPDBinary.run(["check", "--config", path, "--warning", "30m", "--critical", "10m"])
        #expect(check.status == 1, "\(check.stdoutText)\(check.stderr)")
        #expect(check.stdoutText.contains("WARNING: \(crt): the folder \(crt) holds a chain named n\\xFFn.pem"), "\(check.stdoutText)")
    }

    @Test func oneOutputFoundInTwoFoldersFailsThoseEntriesOnlyAndTheOthersProceed() throws {
        try scenario.startResponder()
        let east = try crtFolder("east")
        let west = try crtFolder("west")
        let out = try crtFolder("out")
        try place(scenario.leaf, in: east, as: Array("site.pem".utf8))
        try place(try scenario.pki.issueLeaf(ocspURLs: [scenario.url]), in: west, as: Array("site.pem".utf8))
        let path = try config(
            """
            staples:
              - { chain: \(try scenario.chainFile()), output: \(scenario.output) }
            directories:
              - { path: \(east), output-dir: \(out) }
              - { path: \(west), output-dir: \(out) }
            """)
        let checked = try OCSPDBinary.run(["run", "--config", path, "--check-config"])
        #expect(checked.status == 78, "\(checked.stderr)")
        #expect(checked.stderr.contains("directories[0]") && checked.stderr.contains("directories[1]"), "\(checked.stderr)")
        let result = try OCSPDBinary.run(["refresh", "--config", path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("\(out)/site.pem.ocsp is the same file as the output for \(west)/site.pem"), "\(result.stderr)")
        #expect(result.stderr.contains("\(out)/site.pem.ocsp is the same file as the output for \(east)/site.pem"), "\(result.stderr)")
        #expect(servedSerial(scenario.output) == scenario.leaf.serial)
        #expect(!FileSystemFixtures.exists("\(out)/site.pem.ocsp"))
    }

    @Test func folderNamesAreListedAsBytesAndFIFOsDoNotBlock() throws {
        let crt = try crtFolder()
        try place(scenario.leaf, in: crt, as: Array(Self.decomposed.utf8))
        #expect(try FolderListing.names(in: crt).get() == [Array(Self.decomposed.utf8)])
        try FileSystemFixtures.fifo("\(scenario.folder)/fifo")
        #expect(throws: FolderListingError.self) { try FolderListing.names(in: "\(scenario.folder)/fifo").get() }
    }
}

/// A link whose target is not UTF-8 is not followed in a decoded form that names another file.
@Suite struct LinkTargetBytesTests {
    @Test func anOutputLinkToANameThatIsNotUTF8IsRefusedAndNoOtherFileIsCreated() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let target = Array("a".utf8) + [0xFF] + Array("b.der".utf8) + [0]
        let made = target.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in characters.baseAddress.map { symlink($0, scenario.output) } }
        }
        #expect(made == 0)
        let result = try scenario.runRefresh()
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("cannot follow \(scenario.output): the link's target is not UTF-8 text"), "\(result.stderr)")
        let names = try FolderListing.names(in: scenario.folder).get()
        #expect(!names.contains { $0.first == UInt8(ascii: "a") && $0.suffix(5).elementsEqual("b.der".utf8) }, "\(names)")
    }
}
