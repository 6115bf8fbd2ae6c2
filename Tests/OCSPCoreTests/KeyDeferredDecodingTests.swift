import Foundation
import Testing

@testable import OCSPCore

/// A certificate decoded from DER without its public key (`KeyDeferredDecoding`) is the same
/// certificate wherever its key matters: as an issuer, as a signer, compared by key.
@Suite struct KeyDeferredDecodingTests {
    @Test func aCertificateDecodedWithoutItsKeyReEncodesToTheSameBytes() throws {
        let pki = try TestPKI.get()
        let leaf = try pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1/"])
        let decoded = try #require(X509Object(derBytes: leaf.certificate.derBytes))
        #expect(decoded.derBytes == leaf.certificate.derBytes)
    }

    @Test func signaturesAreCheckedWithTheIssuersKeyDecodedWhenFirstNeeded() throws {
        let pki = try TestPKI.get()
        let leaf = try #require(Certificate(derBytes: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1/"]).certificate.derBytes))
        let intermediate = try #require(Certificate(derBytes: pki.intermediate.certificate.derBytes))
        let root = try #require(Certificate(derBytes: pki.root.certificate.derBytes))
        #expect(leaf.isSigned(by: intermediate))
        #expect(intermediate.isSigned(by: root))
        #expect(!leaf.isSigned(by: root))
        #expect(!intermediate.isSigned(by: leaf))
    }

    @Test func certificatesOfOneKeyInTwoEncodingsHaveTheSamePublicKey() throws {
        let folder = try TestPKI.scratchFolder("key-encodings")
        try Command.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(folder)/key.pem"])
        try Command.openssl(["ec", "-in", "\(folder)/key.pem", "-conv_form", "compressed", "-out", "\(folder)/compressed.pem"])
        let uncompressed = try selfSigned(key: "\(folder)/key.pem", name: "uncompressed", in: folder)
        let compressed = try selfSigned(key: "\(folder)/compressed.pem", name: "compressed", in: folder)
        let other = try selfSigned(key: try newKey(in: folder), name: "other", in: folder)
        #expect(uncompressed.derBytes != compressed.derBytes)
        #expect(uncompressed.hasSamePublicKey(as: compressed))
        #expect(compressed.hasSamePublicKey(as: uncompressed))
        #expect(uncompressed.hasSamePublicKey(as: uncompressed))
        #expect(!uncompressed.hasSamePublicKey(as: other))
        #expect(!compressed.hasSamePublicKey(as: other))
    }

    @Test func anRSAKeyAndAnECKeyAreDifferentKeys() throws {
        let pki = try TestPKI.get()
        let rsa = try #require(Certificate(derBytes: pki.issueLeaf(ocspURLs: [], keyAlgorithm: .rsa2048).certificate.derBytes))
        let ec = try #require(Certificate(derBytes: pki.issueLeaf(ocspURLs: []).certificate.derBytes))
        #expect(!rsa.hasSamePublicKey(as: ec))
        #expect(rsa.hasSamePublicKey(as: rsa))
    }

    private func newKey(in folder: String) throws -> String {
        let path = "\(folder)/\(UUID().uuidString.prefix(8)).pem"
        try Command.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        return path
    }

    private func selfSigned(key: String, name: String, in folder: String) throws -> Certificate {
        let path = "\(folder)/\(name).pem"
        try Command.openssl(["req", "-x509", "-new", "-key", key, "-subj", "/CN=\(name)", "-days", "2", "-outform", "DER", "-out", path])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return try #require(Certificate(derBytes: bytes))
    }
}
