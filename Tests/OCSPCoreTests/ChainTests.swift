import Foundation
import Testing

@testable import OCSPCore

/// Reading the server's chain as servers hold it.
@Suite struct ChainTests {
    let pki: TestPKI
    let folder: String

    init() throws {
        pki = try TestPKI.get()
        folder = try TestPKI.scratchFolder("chain")
    }

    private func write(_ text: String, _ name: String = "chain.pem") throws -> String {
        let path = "\(folder)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func pem(_ certificate: IssuedCertificate) throws -> String {
        try String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
    }

    @Test func pemChainIsLeafFirstThenIntermediates() throws {
        let leaf = try pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"])
        let chain = try CertificateChain.read(from: write(pem(leaf) + pem(pki.intermediate)))
        #expect(chain.leaf == leaf.certificate)
        #expect(chain.intermediates == [pki.intermediate.certificate])
        #expect(chain.leaf.ocspURLs == ["http://127.0.0.1:1"])
    }

    @Test func windowsLineEndingsAndIndentedLinesRead() throws {
        let leaf = try pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"])
        let text = (try pem(leaf) + pem(pki.intermediate)).split(separator: "\n").map { "  \($0)\t" }.joined(separator: "\r\n")
        let chain = try CertificateChain.read(from: write(text))
        #expect(chain.leaf == leaf.certificate)
        #expect(chain.intermediates == [pki.intermediate.certificate])
    }

    @Test func privateKeyBlocksAreSkippedWhereverTheyStand() throws {
        let leaf = try pki.issueLeaf(ocspURLs: [])
        let key = try String(contentsOfFile: leaf.keyPath, encoding: .utf8)
        let rsaStyle = "-----BEGIN RSA PRIVATE KEY-----\nnot even base64 !!!\n-----END RSA PRIVATE KEY-----\n"
        let chain = try CertificateChain.read(from: write(key + pem(leaf) + rsaStyle + pem(pki.intermediate)))
        #expect(chain.leaf == leaf.certificate)
        #expect(chain.intermediates.count == 1)
    }

    @Test func derChainIsOneCertificate() throws {
        let leaf = try pki.issueLeaf(ocspURLs: [])
        let der = try Command.openssl(["x509", "-in", leaf.certificatePath, "-outform", "DER"]).stdout
        let path = "\(folder)/leaf.der"
        try Data(der).write(to: URL(fileURLWithPath: path))
        #expect(try CertificateChain.read(from: path).leaf == leaf.certificate)
    }

    @Test func truncatedPEMNamesTheLine() throws {
        let leaf = try pki.issueLeaf(ocspURLs: [])
        let text = try pem(leaf)
        let path = try write(String(text.prefix(text.count / 2)))
        #expect(throws: ChainError.truncatedPEM(path: path, label: "CERTIFICATE", line: 1)) { try CertificateChain.read(from: path) }
    }

    @Test func onlyAPrivateKeyIsNoCertificate() throws {
        let leaf = try pki.issueLeaf(ocspURLs: [])
        let path = try write(String(contentsOfFile: leaf.keyPath, encoding: .utf8))
        #expect(throws: ChainError.noCertificate(path: path)) { try CertificateChain.read(from: path) }
    }

    @Test func emptyFileMissingFileAndFolderAreDistinctErrors() throws {
        let empty = try write("\n\n")
        #expect(throws: ChainError.empty(path: empty)) { try CertificateChain.read(from: empty) }
        #expect(throws: ChainError.unreadable(path: "\(folder)/missing.pem", reason: .missing)) {
            try CertificateChain.read(from: "\(folder)/missing.pem")
        }
        #expect(throws: ChainError.unreadable(path: folder, reason: .isDirectory)) { try CertificateChain.read(from: folder) }
    }

    @Test func garbageIsNotACertificate() throws {
        let path = try write("hello, I am not a certificate")
        #expect(throws: ChainError.self) { try CertificateChain.read(from: path) }
        let corrupted = try write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        #expect(throws: ChainError.notACertificate(path: corrupted, detail: "the CERTIFICATE block at line 1 does not decode")) {
            try CertificateChain.read(from: corrupted)
        }
    }

    @Test func mustStapleIsDetected() throws {
        #expect(try pki.issueLeaf(ocspURLs: [], mustStaple: true).certificate.mustStaple)
        #expect(try !pki.issueLeaf(ocspURLs: []).certificate.mustStaple)
    }
}
