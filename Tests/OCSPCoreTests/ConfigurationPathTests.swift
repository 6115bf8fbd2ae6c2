import Foundation
import Testing

@testable import OCSPCore

/// Configuration paths are the bytes in the file, and one output file belongs to one entry.
@Suite struct ConfigurationPathTests {
    let folder: String
    let chain: String

    init() throws {
        folder = try TestPKI.scratchFolder("config-paths")
        let pki = try TestPKI.get()
        chain = try pki.chainFile(for: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"]), in: folder)
        try FileManager.default.createDirectory(atPath: "\(folder)/out", withIntermediateDirectories: true)
    }

    private func write(_ bytes: [UInt8], _ name: String = "ocspd.yaml") throws -> String {
        let path = "\(folder)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func problems(_ text: String) -> [String] {
        do {
            _ = try ConfigurationLoader.load(path: try write(Array(text.utf8)))
            return []
        } catch let error as ConfigurationError {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aPathThatIsNotUTF8IsRefusedNamingItsLine() throws {
        let bytes = Array("staples:\n  - chain: \(chain)\n    output: \(folder)/out/".utf8) + [0xE9] + Array("t\u{E9}.der\n".utf8)
        let path = try write(bytes)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: path) }
        let checked = try OCSPDBinary.run(["run", "--config", path, "--check-config"])
        #expect(checked.status == 78)
        #expect(checked.stderr.contains("\(path):3: not UTF-8 text"), "\(checked.stderr)")
        #expect(!checked.stderr.contains("\u{FFFD}"))
    }

    @Test func aPathInUTF8IsTakenByteForByte() throws {
        let configuration = try ConfigurationLoader.load(
            path: try write(Array("staples:\n  - chain: \(chain)\n    output: \(folder)/out/t\u{E9}.der\n".utf8)))
        #expect(Array(configuration.staples[0].outputPath.utf8) == Array("\(folder)/out/t".utf8) + [0xC3, 0xA9] + Array(".der".utf8))
    }

    @Test func oneOutputInTwoSpellingsIsRefusedNamingBothLines() throws {
        symlink("\(folder)/out", "\(folder)/linked")
        let spellings = ["\(folder)/out/../out/s.der", "\(folder)/./out//s.der", "\(folder)/linked/s.der"]
        for spelling in spellings {
            let found = problems(
                """
                staples:
                  - chain: \(chain)
                    output: \(folder)/out/s.der
                  - chain: \(chain)
                    output: \(spelling)
                """)
            #expect(
                found.contains {
                    $0.contains(":5: staples[1].output: \(spelling) is the same file as staples[0].output (line 3): \(folder)/out/s.der")
                },
                "\(spelling): \(found)")
        }
    }

    @Test func oneOutputInAFolderNotYetMadeIsComparedByItsSpelling() {
        let found = problems(
            """
            staples:
              - { chain: \(chain), output: \(folder)/later/s.der }
              - { chain: \(chain), output: \(folder)/later/sub/../s.der }
            """)
        #expect(found.contains { $0.contains("is the same file as staples[0].output (line 2)") }, "\(found)")
    }

    @Test func aFolderEntryWhoseChainWritesAListedOutputFailsAloneAndTheListedOneStays() throws {
        let crt = "\(folder)/crt"
        try FileManager.default.createDirectory(atPath: crt, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: chain, toPath: "\(crt)/site.pem")
        let configuration = try ConfigurationLoader.load(
            path: try write(
                Array(
                    """
                    staples:
                      - { chain: \(chain), output: \(crt)/site.pem.ocsp }
                    directories:
                      - path: \(crt)
                    """.utf8)))
        // A folder's content changes at any time: its colliding chain is that entry's failure
        // (refused by --check-config), not the whole configuration's.
        let found = configuration.fileProblems.map(\.description)
        #expect(
            found.contains {
                $0.contains(":4: directories[0]: \(crt)/site.pem.ocsp is the same file as the output of the listed entry for \(chain)")
            }, "\(found)")
        #expect(configuration.jobs().map(\.chainPath) == [chain])
        #expect(configuration.expansion().failures.count == 1)
    }

    @Test func anOutputThatIsAChainIsRefused() {
        let found = problems(
            """
            staples:
              - { chain: \(chain), output: \(folder)/out/a.der }
              - { chain: \(chain), output: \(folder)/./\((chain as NSString).lastPathComponent) }
            """)
        #expect(found.contains { $0.contains(":3: staples[1].output: ") && $0.contains("is a configured chain file") }, "\(found)")
    }

    @Test func distinctOutputsLoad() {
        #expect(
            problems(
                """
                staples:
                  - { chain: \(chain), output: \(folder)/out/a.der }
                  - { chain: \(chain), output: \(folder)/out/b.der }
                """
            ).isEmpty)
    }
}
