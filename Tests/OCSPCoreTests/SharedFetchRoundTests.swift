import Foundation
import Testing

@testable import OCSPCore

/// What a round keeps for the outputs that come after the first, on synthetic failures.
@Suite struct SharedFetchRoundTests {
    private static let url = "http://ocsp.ca"

    private static func key(_ certificate: String) -> SharedFetchKey {
        SharedFetchKey(certificate: certificate, responderURLs: [url], issuerPath: nil, responderCertificatePath: nil)
    }

    private static func job(_ output: String) -> RefreshJob {
        RefreshJob(chainPath: "/etc/ssl/site.pem", outputPath: output)
    }

    private static func failure(_ reason: ResponderFailure.Reason) -> Result<OCSPFetcher.Fetched, ResponderFailure> {
        .failure(ResponderFailure(url: url, method: .get, reason: reason))
    }

    @Test func aFailedRequestIsKeptSoTheOthersDoNotAskAgainButIsOfferedToNoOne() {
        let round = SharedFetchRound()
        round.keep(
            Self.failure(.httpStatus(500, retryAfter: nil)), for: Self.key("a/1"), at: Self.url, job: Self.job("/exim"), certificate: "A/1")
        guard case .failed? = round.response(for: Self.key("a/1"), at: Self.url, output: "/nginx") else {
            Issue.record("the failure was not kept")
            return
        }
        #expect(round.hasNoResponse)
        #expect(round.fetchedSiblings.isEmpty)
        #expect(!round.keptAResponse(forCertificate: "A/1"))
        #expect(round.servedOutputs == [PathKey("/exim"), PathKey("/nginx")])
    }

    @Test func aRequestNeverSentIsNotKept() {
        let round = SharedFetchRound()
        round.keep(
            Self.failure(.transport(.responderPaused(failures: 3, seconds: 30))), for: Self.key("a/1"), at: Self.url,
            job: Self.job("/exim"), certificate: "A/1")
        #expect(round.response(for: Self.key("a/1"), at: Self.url, output: "/nginx") == nil)
    }

    @Test func theOldestCertificatesAnswersGoBeyondTheCapacity() {
        let round = SharedFetchRound(capacity: 2)
        for certificate in ["a/1", "b/2", "c/3"] {
            round.keep(
                Self.failure(.httpStatus(500, retryAfter: nil)), for: Self.key(certificate), at: Self.url, job: Self.job("/\(certificate)"),
                certificate: certificate)
        }
        #expect(round.response(for: Self.key("a/1"), at: Self.url, output: "/x") == nil)
        #expect(round.response(for: Self.key("b/2"), at: Self.url, output: "/x") != nil)
        #expect(round.response(for: Self.key("c/3"), at: Self.url, output: "/x") != nil)
    }

    @Test func aTimeoutCutShortByTheAskersBudgetIsNotSharedWithAnOutputWithMoreTimeLeft() {
        let round = SharedFetchRound()
        // The first output had 2 s left of its budget (a short refresh-budget, or one spent on
        // an earlier responder) when it asked; the responder answers in 5 s.
        round.keep(
            Self.failure(.transport(.timedOut("timed out after 2000 ms"))), for: Self.key("a/1"), at: Self.url,
            job: Self.job("/exim"), certificate: "A/1", allowed: 2)
        #expect(round.response(for: Self.key("a/1"), at: Self.url, output: "/nginx", timeLeft: 30) == nil)
        // An output with no more time than the asker had takes the timeout: no second wait.
        #expect(round.response(for: Self.key("a/1"), at: Self.url, output: "/haproxy", timeLeft: 2.5) != nil)
    }

    @Test func aFailureOtherThanATimeoutIsSharedWhateverTheTimeLeft() {
        let round = SharedFetchRound()
        round.keep(
            Self.failure(.httpStatus(500, retryAfter: nil)), for: Self.key("a/1"), at: Self.url, job: Self.job("/exim"),
            certificate: "A/1", allowed: 2)
        #expect(round.response(for: Self.key("a/1"), at: Self.url, output: "/nginx", timeLeft: 30) != nil)
    }
}
