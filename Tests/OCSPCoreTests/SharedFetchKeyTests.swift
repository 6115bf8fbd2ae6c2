import Foundation
import Testing

@testable import OCSPCore

/// Which outputs share one request: the pure keys, on synthetic jobs.
@Suite struct SharedFetchKeyTests {
    private static func job(
        chain: String = "/etc/ssl/site.pem", output: String, responder: String? = nil, issuer: String? = nil,
        responderCert: String? = nil, nonce: Bool = false, target: Target = .exim
    ) -> RefreshJob {
        RefreshJob(
            chainPath: chain, outputPath: output, issuerPath: issuer, responderURL: responder, responderCertificatePath: responderCert,
            nonce: nonce, policy: TargetPolicy(target: target))
    }

    private static func key(_ job: RefreshJob, certificate: String = "ab12/0F", urls: [String] = ["http://ocsp.ca"]) -> SharedFetchKey? {
        SharedFetchKey.of(job, certificate: certificate, responderURLs: urls)
    }

    @Test func outputsOfOneCertificateWithTheSameSettingsShareAKeyWhateverTheirTarget() {
        let exim = Self.key(Self.job(output: "/a", target: .exim))
        let nginx = Self.key(Self.job(chain: "/other/fullchain.pem", output: "/b", target: .nginx))
        #expect(exim != nil)
        #expect(exim == nginx)
    }

    @Test(
        arguments: [
            ("another certificate", SharedFetchKeyTests.job(output: "/b"), "ab12/10", ["http://ocsp.ca"]),
            ("another issuer key", SharedFetchKeyTests.job(output: "/b"), "cd34/0F", ["http://ocsp.ca"]),
            ("another responder list", SharedFetchKeyTests.job(output: "/b"), "ab12/0F", ["http://ocsp.ca", "http://backup.ca"]),
            ("another issuer file", SharedFetchKeyTests.job(output: "/b", issuer: "/etc/ssl/ca.pem"), "ab12/0F", ["http://ocsp.ca"]),
            (
                "another responder-cert", SharedFetchKeyTests.job(output: "/b", responderCert: "/etc/ssl/signer.pem"), "ab12/0F",
                ["http://ocsp.ca"]
            ),
        ])
    func outputsDifferingInWhatShapesTheRequestOrItsTrustDoNotShare(
        _ difference: String, other: RefreshJob, certificate: String, urls: [String]
    ) {
        let first = Self.key(Self.job(output: "/a"))
        #expect(first != Self.key(other, certificate: certificate, urls: urls), "\(difference)")
    }

    @Test func aNonceOutputNeverShares() {
        #expect(Self.key(Self.job(output: "/a", nonce: true)) == nil)
        #expect(FetchSiblingKey.of(Self.job(output: "/a", nonce: true)) == nil)
    }

    @Test func siblingsAreOutputsOfOneChainFileWithTheSameSettings() {
        let exim = FetchSiblingKey.of(Self.job(output: "/a", target: .exim))
        #expect(exim == FetchSiblingKey.of(Self.job(output: "/b", target: .haproxy)))
        #expect(exim != FetchSiblingKey.of(Self.job(chain: "/etc/ssl/other.pem", output: "/b")))
        #expect(exim != FetchSiblingKey.of(Self.job(output: "/b", responder: "http://ocsp.ca")))
        #expect(exim != FetchSiblingKey.of(Self.job(output: "/b", responderCert: "/etc/ssl/signer.pem")))
        #expect(exim != FetchSiblingKey.of(Self.job(output: "/b", issuer: "/etc/ssl/ca.pem")))
    }

    @Test func theRoundsAnswersAreOfferedToSiblingsThatNeitherAskedNorLooked() {
        let fetcher = Self.job(output: "/exim.ocsp")
        let served = Self.job(output: "/nginx.ocsp", target: .nginx)
        let waiting = Self.job(output: "/haproxy.ocsp", target: .haproxy)
        let stranger = Self.job(chain: "/etc/ssl/other.pem", output: "/other.ocsp")
        let withNonce = Self.job(output: "/nonce.ocsp", nonce: true)
        let setApart = Self.job(output: "/own.ocsp", responder: "http://ocsp.ca")
        let fetched = Set([FetchSiblingKey.of(fetcher)].compactMap { $0 })
        let offered = FetchSiblingKey.offered(
            [fetcher, served, waiting, stranger, withNonce, setApart], fetched: fetched,
            served: [PathKey("/exim.ocsp"), PathKey("/nginx.ocsp")])
        #expect(offered.map(\.outputPath) == ["/haproxy.ocsp"])
    }

    @Test func anOutputOfAnotherChainFileIsOfferedWhenEarlierRoundsFoundItsCertificateFetched() {
        let bundle = Self.job(chain: "/etc/haproxy/site.pem", output: "/haproxy.ocsp", target: .haproxy)
        let unknown = Self.job(chain: "/etc/ssl/new.pem", output: "/new.ocsp")
        let other = Self.job(chain: "/etc/ssl/other.pem", output: "/other.ocsp")
        let offered = FetchSiblingKey.offered(
            [bundle, unknown, other], fetched: [], served: [],
            learned: [PathKey("/haproxy.ocsp"): "CA/0F", PathKey("/other.ocsp"): "CA/10"], certificatesFetched: ["CA/0F"])
        #expect(offered.map(\.outputPath) == ["/haproxy.ocsp"])
    }

    @Test func nothingIsOfferedInARoundThatFetchedNothing() {
        #expect(FetchSiblingKey.offered([Self.job(output: "/a"), Self.job(output: "/b")], fetched: [], served: []).isEmpty)
    }
}
