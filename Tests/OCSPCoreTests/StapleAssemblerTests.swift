import Foundation
import SwiftASN1
import Testing

@testable import OCSPCore

@Suite struct StapleAssemblerTests {
    @Test func embeddingTheSignerKeepsTheSignedPartByteIdentical() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: signer, options: ["-resp_no_certs"])
        let fetched = try scenario.fetchWithOpenSSL()
        #expect(fetched.basic?.certificates.isEmpty == true)
        let assembled = try OCSPResponse(derBytes: StapleAssembler.embedding([signer.certificate], in: fetched))
        #expect(assembled.basic?.certificates == [signer.certificate])
        #expect(try signedPart(of: assembled) == signedPart(of: fetched))
        let staple = try StapleVerifier.verify(assembled, for: scenario.subject, at: Date()).get()
        #expect(!staple.signerMissingFromResponse)
    }

    @Test func embeddingKeepsCertificatesTheResponderAlreadySent() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: signer)
        let fetched = try scenario.fetchWithOpenSSL()
        let assembled = try OCSPResponse(derBytes: StapleAssembler.embedding([scenario.pki.intermediate.certificate], in: fetched))
        #expect(assembled.basic?.certificates == [signer.certificate, scenario.pki.intermediate.certificate])
        #expect(try signedPart(of: assembled) == signedPart(of: fetched))
    }

    @Test func embeddingNothingReturnsTheResponseUnchanged() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let fetched = try scenario.fetchWithOpenSSL()
        #expect(try StapleAssembler.embedding([], in: fetched) == fetched.derBytes)
    }

    /// tbsResponseData, signatureAlgorithm and signature, as encoded.
    private func signedPart(of response: OCSPResponse) throws -> [[UInt8]] {
        let outer = try DER.parse(response.derBytes)
        guard case .constructed(let top) = outer.content, let tagged = Array(top).last,
            case .constructed(let wrapper) = tagged.content, let bytesNode = Array(wrapper).first,
            case .constructed(let responseBytes) = bytesNode.content, let octet = Array(responseBytes).last,
            case .primitive(let basicDER) = octet.content,
            case .constructed(let basic) = try DER.parse(basicDER).content
        else { throw AssemblyError.unexpectedStructure("test fixture") }
        return Array(basic).prefix(3).map { Array($0.encodedBytes) }
    }
}
