import Foundation
import Testing

@testable import OCSPCore

/// A fresh staple is judged from the record of its last verification only while the chain
/// and the staple are byte for byte what was verified, and only while the clock allows.
@Suite struct VerifiedRecordTests {
    private func verifiedStaple(_ scenario: Scenario) throws -> (VerifiedStaple, [UInt8]) {
        let response = try scenario.fetchWithOpenSSL()
        return (try StapleVerifier.verify(response, for: scenario.subject, at: Date()).get(), response.derBytes)
    }

    @Test func aStapleChangedBehindOcspdsBackIsVerifiedAgain() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        try Data("not a proof".utf8).write(to: URL(fileURLWithPath: scenario.output))
        let second = try scenario.runRefresh(["--responder", proxy.url])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(proxy.requests.count == 2)
        let bytes = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get().status == .good)
    }

    @Test func aRenewedChainIsVerifiedAgain() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let chain = "\(scenario.folder)/chain.pem"
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: chain)
        #expect(try scenario.runRefresh(["--responder", proxy.url], chain: chain).status == 0)
        let renewed = try scenario.renewLeaf()
        scenario.pokeResponders()
        try FileManager.default.removeItem(atPath: chain)
        try FileManager.default.copyItem(atPath: try scenario.pki.chainFile(for: renewed, in: scenario.folder), toPath: chain)
        let second = try scenario.runRefresh(["--responder", proxy.url], chain: chain)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(proxy.requests.count == 2)
        let bytes = try #require(scenario.stapleBytes)
        let subject = StapleSubject(leaf: renewed.certificate, issuer: scenario.pki.intermediate.certificate)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: subject, at: Date()).get().status == .good)
    }

    @Test func recordedFactsHoldUntilExpiryAlsoWithTheClockBehindTheProof() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let (staple, bytes) = try verifiedStaple(scenario)
        let record = try #require(VerifiedRecord(staple, stapleBytes: bytes, leaf: scenario.leaf.certificate, chainSHA256: "chain"))
        #expect(record.facts(at: Date()) == staple.facts)
        #expect(record.facts(at: staple.effectiveExpiry) == nil)
        // A clock stepped back behind the proof (or its signer) leaves it the proof it is.
        #expect(record.facts(at: staple.signer.notBefore.addingTimeInterval(-1)) == staple.facts)
        #expect(record.facts(at: staple.thisUpdate.addingTimeInterval(-StapleVerifier.clockSkewAllowance - 1)) == staple.facts)
    }

    @Test func revokedProofsAreNeverRecorded() throws {
        let scenario = try Scenario()
        try scenario.revokeLeaf()
        try scenario.startResponder()
        let (staple, bytes) = try verifiedStaple(scenario)
        #expect(staple.status.isRevoked)
        #expect(VerifiedRecord(staple, stapleBytes: bytes, leaf: scenario.leaf.certificate, chainSHA256: "chain") == nil)
    }

    /// What an ocspd before the stricter chain rules may have recorded: a proof for another
    /// certificate (an old parser took the intermediate for the leaf), vouched for by the hash
    /// of the chain file. Only the rules the record names can tell it apart.
    private func plantRecordForAForeignProof(_ scenario: Scenario, chainRules: Int?) throws {
        let other = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        scenario.pokeResponders()
        let foreign = try scenario.fetchWithOpenSSL(for: other).derBytes
        try Data(foreign).write(to: URL(fileURLWithPath: scenario.output))
        let store = StateStore(directory: scenario.stateDirectory)
        var state = store.load(for: scenario.output)
        state.verified?.stapleSHA256 = VerifiedRecord.digest(foreign)
        try store.save(state, for: scenario.output)
        // The JSON as it was written, with or without the field.
        let statePath = store.statePath(for: scenario.output)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        var record = try #require(json["verified"] as? [String: Any])
        record["chainRules"] = chainRules
        json["verified"] = record
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: statePath))
    }

    @Test func aRecordWithoutChainRulesIsNotUsedByTheFastPath() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        try plantRecordForAForeignProof(scenario, chainRules: nil)
        #expect(StateStore(directory: scenario.stateDirectory).load(for: scenario.output).verified?.chainRules == 1)
        let second = try scenario.runRefresh(["--responder", proxy.url])
        #expect(second.status == 0, "\(second.stderr)")
        // The full path read the chain, found the proof foreign and fetched the right one.
        #expect(proxy.requests.count == 2)
        let bytes = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get().status == .good)
        #expect(
            StateStore(directory: scenario.stateDirectory).load(for: scenario.output).verified?.chainRules == CertificateChain.rulesVersion)
    }

    @Test func aRecordMadeUnderOtherChainRulesIsNotUsedByTheFastPath() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        try plantRecordForAForeignProof(scenario, chainRules: CertificateChain.rulesVersion + 1)
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        #expect(proxy.requests.count == 2)
    }

    @Test func theFastPathTrustsARecordUnderTodaysChainRulesForTheBytesItNames() throws {
        // The counterpart that shows the two tests above reach the fast path: a record is
        // trusted for exactly the bytes it names, so today's planted record is believed.
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        try plantRecordForAForeignProof(scenario, chainRules: CertificateChain.rulesVersion)
        #expect(try scenario.runRefresh(["--responder", proxy.url]).status == 0)
        #expect(proxy.requests.count == 1)
    }

    @Test func theRecordSurvivesTheStateFileRoundTrip() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let store = StateStore(directory: scenario.stateDirectory)
        let record = try #require(store.load(for: scenario.output).verified)
        #expect(record.stapleSHA256 == VerifiedRecord.digest(try #require(scenario.stapleBytes)))
        #expect(record.chainSHA256 == VerifiedRecord.digest(Array(try Data(contentsOf: URL(fileURLWithPath: scenario.chainFile())))))
    }
}
