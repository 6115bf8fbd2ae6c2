import Foundation
import Testing

@testable import OCSPCore

/// `ProofTimeWindow`: the verifier's time checks and the effective expiry, as a pure function
/// of the dates and `now` (docs/reliability.md, "What a valid proof is").
@Suite struct ProofTimeWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86400

    /// A proof made at t0 for 7 days, signed by the issuer, for a leaf valid for a year; `now` is t0 + 1 day.
    struct Row: Sendable, CustomTestStringConvertible {
        let rule: String
        var thisUpdate: TimeInterval = 0
        var nextUpdate: TimeInterval? = 7 * day
        var signerNotBefore: TimeInterval = -365 * day
        var signerNotAfter: TimeInterval = 365 * day
        var delegated = false
        var leafNotAfter: TimeInterval? = 365 * day
        var assumedValidity: TimeInterval = 12 * hour
        var now: TimeInterval = day
        let expected: Result<ProofTimeWindow.Expiry, ProofTimeWindow.Failure>
        var testDescription: String { rule }

        var window: ProofTimeWindow {
            ProofTimeWindow(
                thisUpdate: at(thisUpdate), nextUpdate: nextUpdate.map(at), signerNotBefore: at(signerNotBefore),
                signerNotAfter: at(signerNotAfter), leafNotAfter: leafNotAfter.map(at), assumedValidity: assumedValidity)
        }
    }

    static func at(_ offset: TimeInterval) -> Date { t0.addingTimeInterval(offset) }
    static func expiry(_ offset: TimeInterval, _ limit: VerifiedStaple.ExpiryLimit) -> Result<
        ProofTimeWindow.Expiry, ProofTimeWindow.Failure
    > {
        .success(ProofTimeWindow.Expiry(date: at(offset), limit: limit))
    }

    static let rows: [Row] = [
        Row(rule: "a proof within all its dates lasts until nextUpdate", expected: expiry(7 * day, .nextUpdate)),
        Row(
            rule: "a delegated signer that expires first ends the proof", signerNotAfter: 3 * day, delegated: true,
            expected: expiry(3 * day, .signerNotAfter)),
        Row(
            rule: "the issuer's own notAfter does not end the proof (clients check it in the chain)", signerNotAfter: 3 * day,
            expected: expiry(7 * day, .nextUpdate)),
        Row(rule: "a leaf that expires first ends the proof", leafNotAfter: 2 * day, expected: expiry(2 * day, .leafNotAfter)),
        Row(
            rule: "the leaf ends it when it expires before a delegated signer", signerNotAfter: 3 * day, delegated: true,
            leafNotAfter: 2 * day, expected: expiry(2 * day, .leafNotAfter)),
        Row(
            rule: "on a tie nextUpdate stays the limit", signerNotAfter: 7 * day, delegated: true, leafNotAfter: 7 * day,
            expected: expiry(7 * day, .nextUpdate)),
        Row(
            rule: "without a leaf (inspect --issuer) only nextUpdate and the signer bound it", leafNotAfter: nil,
            expected: expiry(7 * day, .nextUpdate)),
        Row(
            rule: "a signer not yet valid is refused", signerNotBefore: 2 * day,
            expected: .failure(.signerNotYetValid(notBefore: at(2 * day)))),
        Row(
            rule: "an expired signer is refused, the issuer too", signerNotAfter: hour,
            expected: .failure(.signerExpired(notAfter: at(hour)))),
        Row(
            rule: "thisUpdate up to 5 minutes ahead is clock skew, accepted", thisUpdate: day + 300,
            expected: expiry(7 * day, .nextUpdate)),
        Row(
            rule: "thisUpdate more than 5 minutes ahead is refused", thisUpdate: day + 301,
            expected: .failure(.thisUpdateInFuture(at(day + 301)))),
        Row(
            rule: "a proof without nextUpdate lasts the assumed validity after its thisUpdate", nextUpdate: nil, now: hour,
            expected: expiry(12 * hour, .assumedValidity)),
        Row(
            rule: "the assumed validity is the configured one", nextUpdate: nil, assumedValidity: 2 * day,
            expected: expiry(2 * day, .assumedValidity)),
        Row(
            rule: "at thisUpdate + the assumed validity a proof without nextUpdate has expired", nextUpdate: nil, now: 12 * hour,
            expected: .failure(.expired(at(12 * hour)))),
        Row(
            rule: "without nextUpdate a delegated signer that expires first still ends the proof", nextUpdate: nil,
            signerNotAfter: 6 * hour, delegated: true, now: hour, expected: expiry(6 * hour, .signerNotAfter)),
        Row(
            rule: "without nextUpdate the issuer's own notAfter still does not end it", nextUpdate: nil, signerNotAfter: 6 * hour,
            now: hour, expected: expiry(12 * hour, .assumedValidity)),
        Row(
            rule: "without nextUpdate a leaf that expires first still ends the proof", nextUpdate: nil, leafNotAfter: 3 * hour,
            now: hour, expected: expiry(3 * hour, .leafNotAfter)),
        Row(
            rule: "without nextUpdate a thisUpdate more than 5 minutes ahead is still refused", thisUpdate: day + 301,
            nextUpdate: nil, expected: .failure(.thisUpdateInFuture(at(day + 301)))),
        Row(
            rule: "nextUpdate not after thisUpdate is refused", nextUpdate: 0,
            expected: .failure(.nextUpdateNotAfterThisUpdate(thisUpdate: at(0), nextUpdate: at(0)))),
        Row(
            rule: "an expired leaf is refused as such, not as an expired proof", leafNotAfter: hour,
            expected: .failure(.leafExpired(at(hour)))),
        Row(rule: "at nextUpdate the proof has expired", now: 7 * day, expected: .failure(.expired(at(7 * day)))),
        Row(
            rule: "at a delegated signer's notAfter the signer has not yet expired but the proof has", signerNotAfter: 3 * day,
            delegated: true, now: 3 * day, expected: .failure(.expired(at(3 * day)))),
        Row(
            rule: "the signer's validity is checked before the proof's dates", thisUpdate: 2 * day, signerNotAfter: hour,
            expected: .failure(.signerExpired(notAfter: at(hour)))),
        Row(
            rule: "the proof's dates are checked before its expiry", nextUpdate: 0, now: 8 * day,
            expected: .failure(.nextUpdateNotAfterThisUpdate(thisUpdate: at(0), nextUpdate: at(0)))),
    ]

    @Test(arguments: rows)
    func verdict(_ row: Row) {
        #expect(row.window.verdict(at: Self.at(row.now), signerIsDelegated: row.delegated) == row.expected)
    }

    @Test func aRecordedExpiryIsCheckedAfterTheSameDateChecks() {
        let window = Row(rule: "", expected: Self.expiry(0, .nextUpdate)).window
        let recorded = ProofTimeWindow.Expiry(date: Self.at(2 * Self.day), limit: .leafNotAfter)
        #expect(window.verdict(at: Self.at(Self.day), derivedExpiry: recorded) == .success(recorded))
        #expect(window.verdict(at: Self.at(2 * Self.day), derivedExpiry: recorded) == .failure(.expired(Self.at(2 * Self.day))))
        #expect(
            window.verdict(at: Self.at(366 * Self.day), derivedExpiry: recorded)
                == .failure(.signerExpired(notAfter: Self.at(365 * Self.day))))
    }

    @Test func theVerifiersFailuresNameTheSigner() {
        let failure = ProofTimeWindow.Failure.signerExpired(notAfter: Self.t0).verificationFailure(signer: "CN=Responder")
        #expect(failure == .signerExpired(signer: "CN=Responder", notAfter: Self.t0))
    }

    @Test func aProofsOwnEndIsItsNextUpdateOrThisUpdatePlusTheAssumedValidity() {
        #expect(
            ProofTimeWindow.proofStale(thisUpdate: Self.t0, nextUpdate: Self.at(Self.day), assumedValidity: Self.hour)
                == ProofTimeWindow.Expiry(date: Self.at(Self.day), limit: .nextUpdate))
        #expect(
            ProofTimeWindow.proofStale(thisUpdate: Self.t0, nextUpdate: nil, assumedValidity: Self.hour)
                == ProofTimeWindow.Expiry(date: Self.at(Self.hour), limit: .assumedValidity))
    }

    @Test func inspectsExpiryWithoutVerificationIsTheSameDerivation() {
        let expiry = ProofTimeWindow.effectiveExpiry(
            nextUpdate: Self.at(7 * Self.day), delegatedSignerNotAfter: Self.at(Self.day), leafNotAfter: nil)
        #expect(expiry == ProofTimeWindow.Expiry(date: Self.at(Self.day), limit: .signerNotAfter))
    }
}
