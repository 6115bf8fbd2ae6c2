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
        for (index, name) in names.enumerated() {
            var own = LoadFileCheck()
            own.digesting = true
            let expected = own.check("\(folder)/\(name)", maximum: LocalFileLimit.bytes)
            let checked = try #require(precheck.result(at: index, for: "\(folder)/\(name)"))
            #expect(checked.failure == expected.failure, "\(name)")
            #expect(checked.lastComponentPlain == expected.lastComponentPlain, "\(name)")
            #expect(checked.digest == own.lastDigest, "\(name)")
        }
    }

    @Test func everyListedOutputIsSeenALinkOrNotAsTheOutputCheckSeesIt() throws {
        let outputs = [("chain.pem", true), ("link.pem", false), ("missing.der", true), ("folder.pem", true)]
        let yaml = outputs.map { "- { chain: \(folder)/chain.pem, output: \(folder)/\($0.0) }" }.joined(separator: "\n")
        let precheck = try #require(ChainPrecheck.start(try Yams.compose(yaml: yaml), maximum: LocalFileLimit.bytes, digesting: false))
        for (index, (name, plain)) in outputs.enumerated() {
            #expect(precheck.outputIsPlain(at: index, "\(folder)/\(name)") == plain, "\(name)")
            #expect(OutputIdentityResolver.lastComponentIsPlain("\(folder)/\(name)", descriptors: LoadDescriptors()) == plain, "\(name)")
        }
    }

    @Test func answersForAnotherFileThanTheEntryNamesAreNotGiven() throws {
        let list = try #require(try Yams.compose(yaml: "- { chain: \(folder)/chain.pem, output: \(folder)/out.der }"))
        let precheck = try #require(ChainPrecheck.start(list, maximum: LocalFileLimit.bytes, digesting: false))
        #expect(precheck.result(at: 0, for: "\(folder)/other.pem") == nil)
        #expect(precheck.outputIsPlain(at: 0, "\(folder)/other.der") == nil)
        #expect(precheck.result(at: 1, for: "\(folder)/chain.pem") == nil)
        #expect(precheck.result(at: 0, for: "\(folder)/chain.pem")?.failure == nil)
    }

    @Test func anEntryWithoutAPlainChainIsLeftToTheReader() throws {
        let list = try #require(
            try Yams.compose(yaml: "- { chain: \(folder)/chain.pem, output: x }\n- not a mapping\n- { chain: '' }\n- { output: y }"))
        let precheck = try #require(ChainPrecheck.start(list, maximum: LocalFileLimit.bytes, digesting: false))
        #expect(precheck.result(at: 0, for: "\(folder)/chain.pem")?.failure == nil)
        #expect(precheck.result(at: 1, for: "not a mapping") == nil)
        #expect(precheck.result(at: 2, for: "") == nil)
        #expect(precheck.outputIsPlain(at: 3, "y") == nil)
    }

    @Test func checksStartedFromTheTextsHintAreTakenOnlyForTheSameFileAtTheSamePlace() throws {
        let hint: [ListedFilesHint.Entry] = [("\(folder)/chain.pem", "\(folder)/out.der"), (nil, nil), ("\(folder)/missing.pem", nil)]
        let precheck = try #require(ChainPrecheck.start(hint: hint, maximum: LocalFileLimit.bytes, digesting: false))
        #expect(precheck.result(at: 0, for: "\(folder)/chain.pem")?.failure == nil)
        #expect(precheck.outputIsPlain(at: 0, "\(folder)/out.der") == true)
        #expect(precheck.result(at: 1, for: "\(folder)/chain.pem") == nil)
        #expect(precheck.result(at: 2, for: "\(folder)/missing.pem")?.failure == .missing)
        #expect(precheck.result(at: 2, for: "\(folder)/chain.pem") == nil)
        #expect(precheck.result(at: 3, for: "\(folder)/chain.pem") == nil)
        #expect(ChainPrecheck.start(hint: nil, maximum: 10, digesting: false) == nil)
        #expect(ChainPrecheck.start(hint: [], maximum: 10, digesting: false) == nil)
    }

    @Test func answersForMoreEntriesThanOneBatchAllArrive() throws {
        let count = ChainPrecheck.batch * 3 + 5
        let yaml = (0..<count).map { "- { chain: \(folder)/chain.pem, output: \(folder)/out-\($0).der }" }.joined(separator: "\n")
        let precheck = try #require(ChainPrecheck.start(try Yams.compose(yaml: yaml), maximum: LocalFileLimit.bytes, digesting: false))
        for index in (0..<count).reversed() {
            #expect(precheck.outputIsPlain(at: index, "\(folder)/out-\(index).der") == true)
            #expect(precheck.result(at: index, for: "\(folder)/chain.pem")?.failure == nil)
        }
    }

    @Test func anEmptyListOrNoneStartsNothing() throws {
        #expect(ChainPrecheck.start(try Yams.compose(yaml: "[]"), maximum: 10, digesting: false) == nil)
        #expect(ChainPrecheck.start(nil, maximum: 10, digesting: false) == nil)
    }
}
