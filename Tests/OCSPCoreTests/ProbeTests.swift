import Foundation
import Testing

@testable import OCSPCore

/// `ocspd probe` against real TLS servers on loopback: `openssl s_server -status_file` and Exim.
@Suite struct ProbeTests {
    /// `openssl s_server` presenting the scenario's chain, stapling `staple` when given.
    final class OpenSSLServer: @unchecked Sendable {
        let process: ChildProcess
        let port: UInt16

        init(_ scenario: Scenario, leaf: IssuedCertificate? = nil, staple: String?, host: String = "127.0.0.1") throws {
            port = FreePort.pick()
            let certificate = leaf ?? scenario.leaf
            let accept = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            var arguments = [
                "openssl", "s_server", "-accept", accept, "-cert", certificate.certificatePath, "-key", certificate.keyPath,
                "-cert_chain", scenario.pki.intermediate.certificatePath, "-www", "-quiet",
            ]
            if let staple { arguments += ["-status_file", staple] }
            let log = "\(scenario.folder)/s_server-\(port).log"
            process = try ChildProcess(arguments, stdout: log, stderr: log)
            let deadline = Date().addingTimeInterval(10)
            while !FreePort.isListening(port) && Date() < deadline { usleep(20_000) }
        }

        deinit { process.stop() }
    }

    private func refreshed(_ scenario: Scenario, chain: String? = nil) throws {
        try scenario.startResponder()
        let result = try scenario.runRefresh(chain: chain)
        guard result.status == 0 else { throw CommandFailed(command: "ocspd refresh", result: result) }
    }

    @Test func stapledProofVerifiesAndMatchesTheFile() throws {
        let scenario = try Scenario()
        try refreshed(scenario)
        let server = try OpenSSLServer(scenario, staple: scenario.output)
        let result = try OCSPDBinary.run([
            "probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(server.port)", "--expect", scenario.output, "--json",
        ])
        #expect(result.status == 0, "\(result.stdoutText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(json["stapled"] as? Bool == true)
        #expect(json["matchesExpected"] as? Bool == true)
        #expect(json["certStatus"] as? String == "good")
        #expect(json["serialNumber"] as? String == scenario.leaf.serial)
        #expect(json["mustStaple"] as? Bool == false)
        #expect((json["verification"] as? [String: Any])?["verified"] as? Bool == true)
    }

    @Test func ipv6AddressesWork() throws {
        let scenario = try Scenario()
        try refreshed(scenario)
        let server = try OpenSSLServer(scenario, staple: scenario.output, host: "::1")
        let result = try OCSPDBinary.run(["probe", "--warning", "10m", "--critical", "5m", "[::1]:\(server.port)"])
        #expect(result.status == 0, "\(result.stdoutText)")
        #expect(result.stdoutText.hasPrefix("OCSPD OK - [::1]:\(server.port): stapled, good"))
    }

    @Test func noStapleIsAWarningAndCriticalForMustStaple() throws {
        let scenario = try Scenario()
        let plain = try OpenSSLServer(scenario, staple: nil)
        let result = try OCSPDBinary.run(["probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(plain.port)"])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("no staple"))

        let mustStaple = try scenario.pki.issueLeaf(ocspURLs: [scenario.url], mustStaple: true)
        let must = try OpenSSLServer(scenario, leaf: mustStaple, staple: nil)
        let critical = try OCSPDBinary.run(["probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(must.port)"])
        #expect(critical.status == 2)
        #expect(critical.stdoutText.contains("Must-Staple:         yes"))
    }

    @Test func differentBytesThanExpectedIsAWarning() throws {
        let scenario = try Scenario()
        try refreshed(scenario)
        // The server keeps serving its copy (as nginx does until reloaded) while ocspd writes a newer proof.
        let served = "\(scenario.folder)/served.der"
        try FileManager.default.copyItem(atPath: scenario.output, toPath: served)
        let server = try OpenSSLServer(scenario, staple: served)
        sleep(1)
        #expect(try scenario.runRefresh(["--force"]).status == 0)
        let result = try OCSPDBinary.run([
            "probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(server.port)", "--expect", scenario.output,
        ])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("different proof than \(scenario.output)"))
    }

    @Test func proofForAnotherCertificateIsCritical() throws {
        let scenario = try Scenario()
        try refreshed(scenario)
        let other = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let server = try OpenSSLServer(scenario, leaf: other, staple: scenario.output)
        let result = try OCSPDBinary.run(["probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(server.port)"])
        #expect(result.status == 2)
        #expect(result.stdoutText.contains("does not verify"))
    }

    @Test func noServerIsUnknown() throws {
        let result = try OCSPDBinary.run(["probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(FreePort.pick())"])
        #expect(result.status == 3)
        #expect(result.stdoutText.hasPrefix("OCSPD UNKNOWN - 127.0.0.1:"))
    }

    // In CI (root; scripts/test.sh installs Exim) it always runs: a missing Exim fails there.
    @Test(
        .enabled(
            if: EximServer.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs exim4-daemon-heavy and root; scripts/test.sh installs it"))
    func probeSeesWhatEximStaplesOverSTARTTLS() throws {
        let scenario = try Scenario()
        try refreshed(scenario)
        let chain = try scenario.chainFile()
        let exim = try EximServer(chain: chain, key: scenario.leaf.keyPath, staple: scenario.output)
        let result = try OCSPDBinary.run([
            "probe", "--warning", "10m", "--critical", "5m", "127.0.0.1:\(exim.port)", "--starttls", "smtp", "--servername",
            "mail.example.test",
            "--expect", scenario.output,
        ])
        #expect(result.status == 0, "\(result.stdoutText)")
        #expect(result.stdoutText.contains("Matches \(scenario.output): yes, byte for byte"))
    }

    @Test func endpointParsing() {
        #expect(ProbeReport.parseEndpoint("mail.example.org", defaultPort: 25)! == ("mail.example.org", 25))
        #expect(ProbeReport.parseEndpoint("mail.example.org:587", defaultPort: 25)! == ("mail.example.org", 587))
        #expect(ProbeReport.parseEndpoint("[2001:db8::1]:443", defaultPort: 25)! == ("2001:db8::1", 443))
        #expect(ProbeReport.parseEndpoint("2001:db8::1", defaultPort: 443)! == ("2001:db8::1", 443))
        #expect(ProbeReport.parseEndpoint("host:notaport", defaultPort: 443) == nil)
    }
}
