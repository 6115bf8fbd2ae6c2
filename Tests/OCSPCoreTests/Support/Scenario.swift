import Foundation

@testable import OCSPCore

/// One test's world: the shared PKI, a fresh leaf whose AIA names a port of its own, a
/// signer, and a scratch folder. Responders are started on demand and stopped with the scenario.
final class Scenario: @unchecked Sendable {
    let pki: TestPKI
    let port: UInt16
    let leaf: IssuedCertificate
    let folder: String
    private(set) var responders: [OpenSSLResponder] = []

    var url: String { "http://127.0.0.1:\(port)" }
    var subject: StapleSubject { StapleSubject(leaf: leaf.certificate, issuer: pki.intermediate.certificate) }
    var output: String { "\(folder)/staple.ocsp" }

    init(leafOCSPURLs: [String]? = nil, caIssuersURLs: [String] = [], leafNotAfter: Date = Date().addingTimeInterval(30 * 86400)) throws {
        pki = try TestPKI.get()
        port = FreePort.pick()
        folder = try TestPKI.scratchFolder("scenario")
        leaf = try pki.issueLeaf(
            ocspURLs: leafOCSPURLs ?? ["http://127.0.0.1:\(port)"], caIssuersURLs: caIssuersURLs, notAfter: leafNotAfter)
    }

    deinit {
        for responder in responders { responder.stop() }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Starts `openssl ocsp` on this scenario's port, signing with `signer` (the intermediate itself by default).
    @discardableResult
    func startResponder(signer: IssuedCertificate? = nil, minutes: Int? = 60, options: [String] = [], port: UInt16? = nil) throws
        -> OpenSSLResponder
    {
        let responder = try OpenSSLResponder(
            pki: pki, signer: signer ?? pki.intermediate, port: port ?? self.port, minutes: minutes, options: options)
        responders.append(responder)
        return responder
    }

    /// Makes every running responder answer from the CA's current index.
    func pokeResponders() {
        for responder in responders {
            try? responder.sync(probe: leaf)
        }
    }

    /// Revokes this scenario's leaf and makes running responders see it.
    func revokeLeaf(reason: String = "keyCompromise") throws {
        try pki.revoke(leaf, reason: reason)
        pokeResponders()
    }

    /// Issues a renewed certificate (same responder URL) that running responders know about.
    func renewLeaf() throws -> IssuedCertificate {
        let renewed = try pki.issueLeaf(ocspURLs: [url])
        pokeResponders()
        return renewed
    }

    func stopResponders() {
        for responder in responders { responder.stop() }
        responders.removeAll()
    }

    /// The chain file (leaf, intermediate), as Exim's tls_certificate holds it.
    func chainFile(withKey: Bool = false, including extra: [IssuedCertificate]? = nil) throws -> String {
        try pki.chainFile(for: leaf, including: extra, withKey: withKey, in: folder)
    }

    /// A proof fetched by the `openssl ocsp` client, independent of ocspd's own fetch code.
    func fetchWithOpenSSL(for certificate: IssuedCertificate? = nil, from url: String? = nil) throws -> OCSPResponse {
        let out = "\(folder)/fetched-\(UUID().uuidString.prefix(6)).der"
        try Command.openssl([
            "ocsp", "-issuer", pki.intermediate.certificatePath, "-cert", (certificate ?? leaf).certificatePath,
            "-url", url ?? self.url, "-respout", out, "-noverify", "-no_nonce", "-timeout", "10",
        ])
        return try OCSPResponse(derBytes: Array(Data(contentsOf: URL(fileURLWithPath: out))))
    }

    var stateDirectory: String { "\(folder)/state" }

    /// `ocspd refresh` for this scenario's staple, with a state folder of its own.
    /// A real proof answering for another certificate first and for ours second (the
    /// `openssl ocsp` client asks for both in one request). Returns the file it was saved to.
    func fetchProofWithOurAnswerSecond(from url: String) throws -> String {
        let other = try pki.issueLeaf(ocspURLs: [])
        pokeResponders()
        let path = "\(folder)/two-\(UUID().uuidString.prefix(6)).der"
        try Command.openssl([
            "ocsp", "-issuer", pki.intermediate.certificatePath, "-cert", other.certificatePath,
            "-cert", leaf.certificatePath, "-url", url, "-respout", path, "-noverify", "-no_nonce",
        ])
        return path
    }

    func runRefresh(_ extra: [String] = [], chain: String? = nil, output: String? = nil) throws -> CommandResult {
        try OCSPDBinary.run(
            [
                "refresh", "--chain", chain ?? chainFile(), "--output", output ?? self.output,
                "--state-dir", stateDirectory,
            ] + extra)
    }

    var stapleBytes: [UInt8]? {
        FileManager.default.contents(atPath: output).map(Array.init)
    }

    /// Files a killed or failed write could have left in the output folder.
    var temporaryFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.contains(StapleWriter.temporaryMarker) }
    }
}
