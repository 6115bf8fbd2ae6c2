import Foundation
import Testing

@testable import OCSPCore

/// A `VerifiedRecord` re-checks its proof with `ProofTimeWindow`, so the signer's notAfter
/// counts too; a record written before it kept that date sends the caller to the full path.
@Suite struct VerifiedRecordWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400

    /// The JSON a refresh writes for a good proof made at t0 for 7 days, signed by the
    /// issuer (valid until t0 + `signerDays`).
    static func recordJSON(signerDays: Double = 365, dropping: [String] = []) throws -> Data {
        var fields: [String: Any] = [
            "chainSHA256": "c", "chainRules": CertificateChain.rulesVersion, "stapleSHA256": "s",
            "thisUpdate": t0.timeIntervalSinceReferenceDate, "nextUpdate": t0.addingTimeInterval(7 * day).timeIntervalSinceReferenceDate,
            "effectiveExpiry": t0.addingTimeInterval(7 * day).timeIntervalSinceReferenceDate, "expiryLimit": "nextUpdate",
            "singleIndex": 0, "singleResponseCount": 1, "certIDHashAlgorithm": "sha1",
            "signerNotBefore": t0.addingTimeInterval(-365 * day).timeIntervalSinceReferenceDate,
            "signerNotAfter": t0.addingTimeInterval(signerDays * day).timeIntervalSinceReferenceDate, "leafSubject": "CN=leaf",
            "leafSerialNumber": "1", "leafMustStaple": false, "leafHasResponder": true,
        ]
        for name in dropping { fields[name] = nil }
        return try JSONSerialization.data(withJSONObject: fields)
    }

    @Test func aRecordHoldingEveryDateGivesTheFactsWhileTheProofIsValid() throws {
        let record = try JSONDecoder().decode(VerifiedRecord.self, from: Self.recordJSON())
        let facts = try #require(record.facts(at: Self.t0.addingTimeInterval(Self.day)))
        #expect(facts.effectiveExpiry == Self.t0.addingTimeInterval(7 * Self.day) && facts.expiryLimit == .nextUpdate)
        #expect(record.facts(at: Self.t0.addingTimeInterval(7 * Self.day)) == nil)
    }

    @Test func aRecordWhoseSignerHasExpiredGivesNoFacts() throws {
        let record = try JSONDecoder().decode(VerifiedRecord.self, from: Self.recordJSON(signerDays: 2))
        #expect(record.facts(at: Self.t0.addingTimeInterval(Self.day)) != nil)
        #expect(record.facts(at: Self.t0.addingTimeInterval(3 * Self.day)) == nil)
    }

    @Test func anOlderRecordWithoutTheSignersNotAfterDecodesAndSendsTheCallerToTheFullPath() throws {
        let record = try JSONDecoder().decode(VerifiedRecord.self, from: Self.recordJSON(dropping: ["signerNotAfter"]))
        #expect(record.signerNotAfter == nil)
        #expect(record.facts(at: Self.t0.addingTimeInterval(Self.day)) == nil)
    }
}
