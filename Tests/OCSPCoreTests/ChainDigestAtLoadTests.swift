import Foundation
import Logging
import Testing

@testable import OCSPCore

/// `refresh --config` hands the refresher the digests of the chains its load just read
/// (`Configuration.chainDigestsAtLoad`): a fresh staple is answered without reading its chain
/// again, and a chain that is not what the staple was verified for is read and taken through
/// the full path, as without them.
@Suite struct ChainDigestAtLoadTests {
    private func refresher(_ scenario: Scenario, digests: [PathKey: String]) -> Refresher {
        var refresher = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: scenario.stateDirectory),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        refresher.chainDigestsAtLoad = digests
        return refresher
    }

    private func job(_ scenario: Scenario, chain: String) -> RefreshJob {
        RefreshJob(chainPath: chain, outputPath: scenario.output, policy: TargetPolicy(target: .generic))
    }

    private func digest(of path: String) throws -> String {
        VerifiedRecord.digest(try FileBytes.read(path, maximum: LocalFileLimit.bytes).get())
    }

    @Test func theLoadKeepsListedChainsDigestsOnlyWhenAsked() throws {
        let scenario = try Scenario()
        let chain = try scenario.chainFile()
        let config = "\(scenario.folder)/ocspd.yaml"
        try "state-dir: \(scenario.stateDirectory)\nstaples:\n  - { chain: \(chain), output: \(scenario.output) }\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: config, keepingChainDigests: true)
        #expect(configuration.chainDigestsAtLoad == [PathKey(chain): try digest(of: chain)])
        #expect(try ConfigurationLoader.load(path: config).chainDigestsAtLoad.isEmpty)
    }

    @Test func aFreshStapleIsAnsweredFromTheLoadsDigest() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = try scenario.chainFile()
        guard case .stapled = refresher(scenario, digests: [:]).refresh(job(scenario, chain: chain)) else {
            Issue.record("the first refresh wrote nothing")
            return
        }
        let again = refresher(scenario, digests: [PathKey(chain): try digest(of: chain)]).refresh(job(scenario, chain: chain))
        guard case .unchanged(_, reason: .fresh) = again else {
            Issue.record("expected fresh, got \(again)")
            return
        }
    }

    @Test func aChainRenewedBeforeTheLoadIsReadAndItsStapleFetched() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = "\(scenario.folder)/chain.pem"
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: chain)
        guard case .stapled = refresher(scenario, digests: [:]).refresh(job(scenario, chain: chain)) else {
            Issue.record("the first refresh wrote nothing")
            return
        }
        let renewed = try scenario.renewLeaf()
        scenario.pokeResponders()
        try FileManager.default.removeItem(atPath: chain)
        try FileManager.default.copyItem(atPath: try scenario.pki.chainFile(for: renewed, in: scenario.folder), toPath: chain)
        let again = refresher(scenario, digests: [PathKey(chain): try digest(of: chain)]).refresh(job(scenario, chain: chain))
        guard case .stapled = again else {
            Issue.record("expected the renewed certificate's staple written, got \(again)")
            return
        }
        let subject = StapleSubject(leaf: renewed.certificate, issuer: scenario.pki.intermediate.certificate)
        let bytes = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: subject, at: Date()).get().status == .good)
    }
}
