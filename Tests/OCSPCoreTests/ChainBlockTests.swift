import Foundation
import Testing

@testable import OCSPCore

/// The leaf is the leaf: which PEM blocks a chain file may hold, which are skipped, and
/// which make the file refused rather than let a later certificate become the leaf.
@Suite struct ChainBlockTests {
    let pki: TestPKI
    let leaf: IssuedCertificate
    let leafPEM: String
    let intermediatePEM: String
    let keyPEM: String

    init() throws {
        pki = try TestPKI.get()
        leaf = try pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"])
        leafPEM = try String(contentsOfFile: leaf.certificatePath, encoding: .utf8)
        intermediatePEM = try String(contentsOfFile: pki.intermediate.certificatePath, encoding: .utf8)
        keyPEM = try String(contentsOfFile: leaf.keyPath, encoding: .utf8)
    }

    enum Expected: Equatable {
        case leafFirst
        case refused(String)
    }

    private func parse(_ text: String) -> Result<CertificateChain, ChainError> {
        Result { () throws(ChainError) in try CertificateChain.parse(Array(text.utf8), path: "/etc/test/chain.pem") }
    }

    private func check(_ text: String, _ expected: Expected, _ comment: Comment) {
        switch (parse(text), expected) {
        case (.success(let chain), .leafFirst):
            #expect(chain.leaf == leaf.certificate, comment)
            #expect(chain.intermediates == [pki.intermediate.certificate], comment)
        case (.failure(let error), .refused(let words)):
            #expect(error.description.contains(words), "\(comment): \(error)")
            #expect(error.description.contains("/etc/test/chain.pem"), comment)
        case (let got, _):
            Issue.record("\(comment): expected \(expected), got \(got)")
        }
    }

    static let dhParameters = """
        -----BEGIN DH PARAMETERS-----
        MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
        -----END DH PARAMETERS-----

        """

    @Test func whatRealServerFilesHoldIsReadLeafFirst() {
        check(leafPEM + intermediatePEM, .leafFirst, "certbot fullchain.pem")
        check("\u{FEFF}" + leafPEM + intermediatePEM, .leafFirst, "a UTF-8 byte-order mark before the first BEGIN line")
        check(keyPEM + leafPEM + intermediatePEM + Self.dhParameters, .leafFirst, "HAProxy combined pem: key, chain, DH parameters")
        check(leafPEM + keyPEM + intermediatePEM, .leafFirst, "a key between the certificates")
        check(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + keyPEM + leafPEM + intermediatePEM,
            .leafFirst, "openssl ecparam -genkey output: EC PARAMETERS before the key")
        check(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot base64 at all!\n-----END ENCRYPTED PRIVATE KEY-----\n" + leafPEM + intermediatePEM,
            .leafFirst, "a private key block is never decoded")
        check(
            "Bag Attributes\n    localKeyID: 01 02\nsubject=CN = leaf\n" + leafPEM + "Bag Attributes\n" + intermediatePEM,
            .leafFirst, "openssl pkcs12 output: text outside the blocks")
        check(leafPEM.replacingOccurrences(of: "\n", with: "\r\n") + intermediatePEM, .leafFirst, "Windows line endings")
    }

    @Test func aLeafInOpenSSLTrustedFormIsTheLeaf() throws {
        let trusted = try Command.openssl(["x509", "-in", leaf.certificatePath, "-addtrust", "serverAuth"]).stdoutText
        #expect(trusted.contains("BEGIN TRUSTED CERTIFICATE"))
        check(trusted + intermediatePEM, .leafFirst, "TRUSTED CERTIFICATE leaf")
    }

    @Test func whatWouldMakeAnotherCertificateTheLeafIsRefused() {
        let broken = leafPEM.replacingOccurrences(of: "-----BEGIN CERTIFICATE-----", with: "-----BEGIN CERTIFICATE----")
        check(broken + intermediatePEM, .refused("line 1 starts like a BEGIN line"), "a BEGIN line one dash short")
        check(
            leafPEM.replacingOccurrences(of: "-----BEGIN CERTIFICATE-----", with: "-----BEGINCERTIFICATE-----") + intermediatePEM,
            .refused("starts like a BEGIN line"), "no space after BEGIN")
        check(
            leafPEM.replacingOccurrences(of: "-----BEGIN CERTIFICATE-----", with: "-----BEGIN CERTIFICATE----- x") + intermediatePEM,
            .refused("starts like a BEGIN line"), "text after the marker")
        check(
            "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n" + leafPEM + intermediatePEM,
            .refused("holds a X509 CRL block at line 1"), "an unknown label before the leaf")
        check(
            leafPEM + "-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n" + intermediatePEM,
            .refused("PKCS7 block"), "an unknown label after the leaf")
        let lines = leafPEM.split(separator: "\n").map(String.init)
        let damaged = ([lines[0], "!" + lines[1]] + lines.dropFirst(2)).joined(separator: "\n") + "\n"
        check(
            damaged + intermediatePEM, .refused("the CERTIFICATE block at line 1 does not decode"), "a stray character in the leaf's base64"
        )
        check(
            intermediatePEM + leafPEM, .refused("the first certificate in /etc/test/chain.pem is a CA certificate (subject "),
            "the intermediate first")
        check(intermediatePEM, .refused("is a CA certificate"), "only the intermediate")
    }

    @Test func aDERCACertificateIsNotALeaf() throws {
        let der = try Command.openssl(["x509", "-in", pki.intermediate.certificatePath, "-outform", "DER"]).stdout
        #expect(throws: ChainError.leafIsCertificateAuthority(path: "x.der", subject: pki.intermediate.certificate.subject)) {
            try CertificateChain.parse(der, path: "x.der")
        }
    }

    @Test func basicConstraintsCAIsExposed() {
        #expect(pki.intermediate.certificate.isCertificateAuthority)
        #expect(pki.root.certificate.isCertificateAuthority)
        #expect(!leaf.certificate.isCertificateAuthority)
    }
}
