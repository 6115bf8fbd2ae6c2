import Foundation
import Testing

@testable import OCSPCore

@Suite struct ResponseCertificatesTests {
    /// (content length, the length octets DER wants)
    static let lengths: [(Int, [UInt8])] = [
        (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x81, 0x80]), (255, [0x81, 0xFF]),
        (256, [0x82, 0x01, 0x00]), (65535, [0x82, 0xFF, 0xFF]), (65536, [0x83, 0x01, 0x00, 0x00]),
    ]

    @Test(arguments: lengths) func elementLengthsAreDEROnes(length: Int, octets: [UInt8]) {
        let content = [UInt8](repeating: 0xAB, count: length)
        #expect(ResponseCertificates.element(0x30, content) == [0x30] + octets + content)
    }

    @Test func aResponseWithTheSignerSplitsIntoTheRestAndTheSigner() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: signer)
        let fetched = try scenario.fetchWithOpenSSL()
        let split = try #require(ResponseCertificates.split(fetched.derBytes))
        #expect(split.certificates == [signer.certificate.derBytes])
        let rest = try OCSPResponse(derBytes: split.withoutCertificates)
        #expect(rest.basic?.certificates.isEmpty == true)
        // Decoded either way, the same response: the same certificates, the same verdict.
        #expect(fetched.basic?.certificates == [signer.certificate])
        let staple = try StapleVerifier.verify(fetched, for: scenario.subject, at: Date()).get()
        #expect(staple.signer == signer.certificate && !staple.signerMissingFromResponse)
    }

    @Test func aResponseWithoutCertificatesIsNotSplit() throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: try scenario.pki.issueResponder(), options: ["-resp_no_certs"])
        let fetched = try scenario.fetchWithOpenSSL()
        #expect(ResponseCertificates.split(fetched.derBytes) == nil)
    }

    @Test func bytesAfterTheResponseAreNotSplitAway() throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: try scenario.pki.issueResponder())
        let fetched = try scenario.fetchWithOpenSSL()
        #expect(ResponseCertificates.split(fetched.derBytes + [0x00]) == nil)
        #expect(throws: OCSPDecodingError.malformed) { try OCSPResponse(derBytes: fetched.derBytes + [0x00]) }
    }

    @Test(arguments: [[UInt8](), [0x30], [0x30, 0x03, 0x02, 0x01, 0x01]]) func derKeysAreEqualExactlyWhenTheBytesAre(bytes: [UInt8]) {
        #expect(DERKey(bytes) == DERKey(bytes))
        #expect(DERKey(bytes).hashValue == DERKey(Array(bytes)).hashValue)
        #expect(DERKey(bytes) != DERKey(bytes + [0]))
    }
}
