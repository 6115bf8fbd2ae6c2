import Foundation
import Testing
import Yams

@testable import OCSPCore

/// The chains of a `staples:` list are checked on a thread of their own while the entries
/// are read (`ChainPrecheck`): each answer is the one the reader's own check gives.
@Suite final class ChainPrecheckTests {
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("precheck")
        try FileSystemFixtures.file("\(folder)/chain.pem", Array("-----BEGIN CERTIFICATE-----\n".utf8))
        try FileSystemFixtures.file("\(folder)/empty.pem", [])
        try FileSystemFixtures.link("\(folder)/link.pem", to: "chain.pem")
        try FileSystemFixtures.folder("\(folder)/folder.pem")
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    @Test func everyListedChainIsAnsweredAsTheReadersOwnCheckAnswersIt() throws {
        let names = ["chain.pem", "missing.pem", "empty.pem", "link.pem", "folder.pem", "chain.pem"]
        let yaml = names.map { "- { chain: \(folder)/\($0), output: \(folder)/out.der }" }.joined(separator: "\n")
        let list = try #require(try Yams.compose(yaml: yaml))
        let precheck = try #require(ChainPrecheck.start(list, maximum: LocalFileLimit.bytes, digesting: true))
        for name in names {
            var own = LoadFileCheck()
            own.digesting = true
            let expected = own.check("\(folder)/\(name)", maximum: LocalFileLimit.bytes)
            let checked = try #require(precheck.result(for: "\(folder)/\(name)"))
            #expect(checked.failure == expected.failure, "\(name)")
            #expect(checked.lastComponentPlain == expected.lastComponentPlain, "\(name)")
            #expect(checked.digest == own.lastDigest, "\(name)")
        }
    }

    @Test func aChainTheListDoesNotNamePlainlyIsLeftToTheReader() throws {
        let list = try #require(try Yams.compose(yaml: "- { chain: \(folder)/chain.pem, output: x }\n- not a mapping\n- { chain: '' }"))
        let precheck = try #require(ChainPrecheck.start(list, maximum: LocalFileLimit.bytes, digesting: false))
        #expect(precheck.result(for: "\(folder)/other.pem") == nil)
        #expect(precheck.result(for: "\(folder)/chain.pem")?.failure == nil)
    }

    @Test func aListNamingNoChainStartsNothing() throws {
        #expect(ChainPrecheck.start(try Yams.compose(yaml: "- not a mapping"), maximum: 10, digesting: false) == nil)
        #expect(ChainPrecheck.start(nil, maximum: 10, digesting: false) == nil)
    }
}
