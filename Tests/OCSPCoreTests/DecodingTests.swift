import COpenSSL
import Foundation
import Testing

@testable import OCSPCore

/// What counts as an OCSP response, independent of who sent it.
@Suite struct DecodingTests {
    @Test func trailingBytesAfterTheDERAreRefused() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let response = try scenario.fetchWithOpenSSL()
        #expect(throws: OCSPDecodingError.malformed) { try OCSPResponse(derBytes: response.derBytes + [0x00]) }
        #expect(throws: OCSPDecodingError.malformed) { try OCSPResponse(derBytes: Array(response.derBytes.dropLast(10))) }
    }

    @Test func htmlIsNotAnOCSPResponseAndTheMessageShowsWhatCame() {
        #expect(throws: OCSPDecodingError.self) { try OCSPResponse(derBytes: Array("<html><body>503</body></html>".utf8)) }
        let error = OCSPDecodingError.notOCSP(firstBytes: Array("<html><body>503".utf8))
        #expect(error.description.contains("<html>"))
        #expect(throws: OCSPDecodingError.empty) { try OCSPResponse(derBytes: []) }
    }

    @Test func lengthClaimingGigabytesIsRefusedWithoutAllocating() {
        // SEQUENCE with a 4-byte length of 0x7fffffff and almost nothing after it.
        #expect(throws: OCSPDecodingError.malformed) { try OCSPResponse(derBytes: [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x0a, 0x01, 0x00]) }
    }

    @Test(arguments: [ResponseStatus.malformedRequest, .internalError, .tryLater, .sigRequired, .unauthorized])
    func unsuccessfulStatusesDecodeAndAreRefusedByVerification(status: ResponseStatus) throws {
        let response = try OCSPResponse(derBytes: unsuccessfulResponse(Int32(status.rawValue)))
        #expect(response.status == status)
        #expect(response.basic == nil)
        let scenario = try Scenario()
        #expect(StapleVerifier.verify(response, for: scenario.subject, at: Date()) == .failure(.unsuccessful(status)))
    }

    @Test func successfulWithoutResponseBytesIsRefused() throws {
        #expect(throws: OCSPDecodingError.notBasicResponse) { try OCSPResponse(derBytes: unsuccessfulResponse(0)) }
    }

    private func unsuccessfulResponse(_ status: Int32) throws -> [UInt8] {
        let response = try #require(OCSP_response_create(status, nil))
        defer { OCSP_RESPONSE_free(response) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_OCSP_RESPONSE(response, &out)
        let bytes = Array(UnsafeBufferPointer(start: out, count: Int(length)))
        CRYPTO_free(out, #file, #line)
        return bytes
    }
}
