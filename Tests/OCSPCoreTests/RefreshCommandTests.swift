import Foundation
import Testing

@testable import OCSPCore

/// `ocspd refresh` run as a process, end to end, against a real `openssl ocsp` responder.
@Suite struct RefreshCommandTests {
    @Test func writesAStapleThatOpenSSLVerifiesWithOnlyTheRootAndTheServerChain() throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: scenario.pki.issueResponder())
        let chain = try scenario.chainFile()
        let result = try scenario.runRefresh(chain: chain)
        #expect(result.status == 0, "\(result.stderr)")
        let check = try Command.run(
            "openssl",
            [
                "ocsp", "-respin", scenario.output, "-CAfile", scenario.pki.root.certificatePath,
                "-verify_other", chain, "-issuer", scenario.pki.intermediate.certificatePath,
                "-cert", scenario.leaf.certificatePath, "-no_nonce",
            ])
        #expect(check.stderr.contains("Response verify OK"), "\(check.stderr)")
        #expect(check.stdoutText.contains(": good"))
        #expect(scenario.temporaryFiles.isEmpty)
    }

    @Test func writtenFileHasMode0644() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: scenario.output)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
    }

    @Test func quietSuccessPrintsNothing() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--quiet"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty && result.stdout.isEmpty)
    }

    @Test func revokedCertificateExits3AndTheRevokedProofIsWritten() throws {
        let scenario = try Scenario()
        try scenario.pki.revoke(scenario.leaf)
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--target", "generic"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("critical"))
        #expect(result.stderr.contains("REVOKED"))
        let staple = try #require(scenario.stapleBytes)
        #expect(try StapleVerifier.verify(OCSPResponse(derBytes: staple), for: scenario.subject, at: Date()).get().status.isRevoked)
    }

    @Test func unknownStatusWritesNothingAndExits2() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        // A responder for another CA answers "unknown" about a certificate it never issued... but
        // openssl answers with its own CA's CertID; so use the index of another CA instead.
        let otherCA = try scenario.pki.issueCA(commonName: "Empty CA \(UUID().uuidString.prefix(4))")
        scenario.stopResponders()
        let responder = try OpenSSLResponder(pki: scenario.pki, ca: otherCA, signer: scenario.pki.intermediate, port: scenario.port)
        defer { responder.stop() }
        let result = try scenario.runRefresh()
        #expect(result.status == 2, "\(result.stderr)")
        #expect(scenario.stapleBytes == nil)
    }

    @Test func certificateWithoutOCSPURLIsNothingToStapleExit4() throws {
        let scenario = try Scenario(leafOCSPURLs: [])
        let result = try scenario.runRefresh()
        #expect(result.status == 4)
        #expect(result.stderr.contains("nothing to staple"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(scenario.stapleBytes == nil)
    }

    @Test func nonHTTPResponderURLsAreSkipped() throws {
        let port = FreePort.pick()
        let scenario = try Scenario(leafOCSPURLs: ["ldap://ocsp.example.test/", "http://127.0.0.1:\(port)"])
        try scenario.startResponder(port: port)
        #expect(try scenario.runRefresh().status == 0)
    }

    @Test func failsOverToTheNextResponderURL() throws {
        let dead = FreePort.pick()
        let live = FreePort.pick()
        let scenario = try Scenario(leafOCSPURLs: ["http://127.0.0.1:\(dead)", "http://127.0.0.1:\(live)"])
        try scenario.startResponder(port: live)
        let result = try scenario.runRefresh(["--verbose"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("127.0.0.1:\(dead)"))
    }

    @Test func responderOverrideReplacesTheAIAURL() throws {
        let scenario = try Scenario(leafOCSPURLs: [])
        let responder = try scenario.startResponder(port: FreePort.pick())
        #expect(try scenario.runRefresh(["--responder", responder.url]).status == 0)
    }

    @Test func issuerMissingFromTheChainIsDownloadedFromCAIssuers() throws {
        let pki = try TestPKI.get()
        let der = try Command.openssl(["x509", "-in", pki.intermediate.certificatePath, "-outform", "DER"]).stdout
        let server = try TestHTTPServer { _ in .ok(der, contentType: "application/pkix-cert") }
        defer { server.stop() }
        let port = FreePort.pick()
        let scenario = try Scenario(leafOCSPURLs: ["http://127.0.0.1:\(port)"], caIssuersURLs: [server.url + "/intermediate.der"])
        try scenario.startResponder(port: port)
        let result = try scenario.runRefresh(chain: scenario.chainFile(including: []))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.requests.map(\.path) == ["/intermediate.der"])
    }

    @Test func issuerServedAsPKCS7CertsOnlyIsAccepted() throws {
        let pki = try TestPKI.get()
        let p7 = try Command.openssl(["crl2pkcs7", "-nocrl", "-certfile", pki.intermediate.certificatePath, "-outform", "DER"]).stdout
        let server = try TestHTTPServer { _ in .ok(p7, contentType: "application/pkcs7-mime") }
        defer { server.stop() }
        let port = FreePort.pick()
        let scenario = try Scenario(leafOCSPURLs: ["http://127.0.0.1:\(port)"], caIssuersURLs: [server.url + "/ca.p7c"])
        try scenario.startResponder(port: port)
        #expect(try scenario.runRefresh(chain: scenario.chainFile(including: [])).status == 0)
    }

    @Test func wrongIssuerIsAClearErrorNamingWhatWasTried() throws {
        let scenario = try Scenario()
        let result = try scenario.runRefresh(
            ["--issuer", scenario.pki.root.certificatePath], chain: scenario.chainFile(including: [scenario.pki.root]))
        #expect(result.status == 2)
        #expect(result.stderr.contains("no certificate that signed"))
        #expect(result.stderr.contains(scenario.pki.root.certificatePath))
    }

    @Test func failedRefreshWithAValidStapleOnDiskExits1AndKeepsIt() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let before = scenario.stapleBytes
        scenario.stopResponders()
        let result = try scenario.runRefresh(["--force"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(scenario.url))
        #expect(result.stderr.contains("stays valid until"))
        #expect(scenario.stapleBytes == before)
    }

    @Test func failedRefreshWithoutAValidStapleExits2() throws {
        let scenario = try Scenario()
        let result = try scenario.runRefresh()
        #expect(result.status == 2)
        #expect(result.stderr.contains("No valid staple is in place"))
    }

    @Test func privateKeyInTheChainFileIsSkippedAndNeverPrinted() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--verbose", "--force"], chain: scenario.chainFile(withKey: true))
        #expect(result.status == 0, "\(result.stderr)")
        let key = try String(contentsOfFile: scenario.leaf.keyPath, encoding: .utf8)
        let keyBody = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for line in keyBody { #expect(!result.stderr.contains(line) && !result.stdoutText.contains(line)) }
        #expect(!result.stderr.contains("PRIVATE KEY"))
    }

    @Test func responderCertFillsInASignerTheResponderLeftOut() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: signer, options: ["-resp_no_certs"])
        let without = try scenario.runRefresh()
        #expect(without.status == 2)
        #expect(without.stderr.contains("signer"))

        let result = try scenario.runRefresh(["--responder-cert", signer.certificatePath])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try OCSPResponse(derBytes: #require(scenario.stapleBytes))
        #expect(written.basic?.certificates == [signer.certificate])
        // A client holding only the server chain and the root can now verify it.
        let check = try Command.run(
            "openssl",
            [
                "ocsp", "-respin", scenario.output, "-CAfile", scenario.pki.root.certificatePath,
                "-verify_other", scenario.chainFile(), "-no_nonce",
            ])
        #expect(check.stderr.contains("Response verify OK"), "\(check.stderr)")
    }

    @Test func responderCertThatIsNotAuthorisedIsRefused() throws {
        let scenario = try Scenario()
        let signer = try scenario.pki.issueResponder(ocspSigning: false)
        try scenario.startResponder(signer: signer, options: ["-resp_no_certs"])
        let result = try scenario.runRefresh(["--responder-cert", signer.certificatePath])
        #expect(result.status == 2)
        #expect(result.stderr.contains("OCSPSigning"))
    }

    @Test func failedWriteLeavesTheOldStapleAndNoTempFile() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let before = scenario.stapleBytes
        // A file-size limit of zero makes every write fail with EFBIG (SIGXFSZ is ignored).
        // stderr goes through a pipe to cat, outside the limit, so the error message survives.
        let script = "set -o pipefail; (ulimit -f 0; exec \"$0\" \"$@\") 2>&1 | cat >&2"
        let result = try Command.run(
            "/bin/bash",
            [
                "-c", script, OCSPDBinary.path, "refresh", "--chain", scenario.chainFile(),
                "--output", scenario.output, "--state-dir", scenario.stateDirectory, "--force",
            ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(scenario.output))
        #expect(scenario.stapleBytes == before)
        #expect(scenario.temporaryFiles.isEmpty)
    }

    @Test func nonceIsSentAndAcceptedWhenEchoed() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--nonce"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try OCSPResponse(derBytes: #require(scenario.stapleBytes)).basic?.nonce != nil)
    }

    @Test func jsonLogsAreOneObjectPerLineWithTheOutcomesFields() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let result = try scenario.runRefresh(["--log-format", "json"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(object["level"] == "info")
        #expect(object["output"] == scenario.output)
        #expect(object["serial"] == scenario.leaf.serial)
        #expect(object["status"] == "good")
        #expect(object["responder"] == scenario.url)
        #expect(object["next_refresh"] != nil && object["effective_expiry"] != nil && object["time"] != nil)
    }

    @Test func missingArgumentsAreAUsageErrorExit64() throws {
        #expect(try OCSPDBinary.run(["refresh", "--output", "/tmp/x"]).status == 64)
        #expect(try OCSPDBinary.run(["refresh", "--chain", "a", "--output", "b", "--responder", "ftp://x"]).status == 64)
    }
}
