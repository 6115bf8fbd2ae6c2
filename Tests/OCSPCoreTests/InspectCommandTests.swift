import Foundation
import Testing

@testable import OCSPCore

/// `ocspd inspect` run as a process; its JSON checked field by field against
/// `openssl ocsp -resp_text` on the same file.
@Suite struct InspectCommandTests {
    @Test(arguments: [false, true])
    func jsonAgreesWithOpenSSLRespText(revoked: Bool) throws {
        let scenario = try Scenario()
        if revoked { try scenario.pki.revoke(scenario.leaf, reason: "superseded") }
        try scenario.startResponder(signer: scenario.pki.issueResponder())
        #expect(try scenario.runRefresh(["--target", "generic"]).status == (revoked ? 3 : 0))
        let result = try OCSPDBinary.run(["inspect", scenario.output, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        let text = try Command.openssl(["ocsp", "-respin", scenario.output, "-resp_text", "-noverify"]).stdoutText
        let fields = RespText(text)

        #expect(json["responseStatus"] as? String == "successful")
        #expect(fields.value("OCSP Response Status")?.hasPrefix("successful") == true)
        #expect(json["producedAt"] as? String == fields.time("Produced At"))
        #expect(((json["responderID"] as? [String: Any])?["byName"] as? String) == fields.value("Responder Id").map(RespText.rfc4514))
        #expect(json["signatureAlgorithm"] as? String == fields.value("Signature Algorithm"))
        let single = try #require((json["responses"] as? [[String: Any]])?.first)
        #expect(single["hashAlgorithm"] as? String == fields.value("Hash Algorithm"))
        #expect(single["issuerNameHash"] as? String == fields.value("Issuer Name Hash")?.lowercased())
        #expect(single["issuerKeyHash"] as? String == fields.value("Issuer Key Hash")?.lowercased())
        #expect(single["serialNumber"] as? String == fields.value("Serial Number").map(RespText.serial))
        #expect(single["certStatus"] as? String == fields.value("Cert Status"))
        #expect(single["thisUpdate"] as? String == fields.time("This Update"))
        #expect(single["nextUpdate"] as? String == fields.time("Next Update"))
        if revoked {
            #expect(single["revocationTime"] as? String == fields.time("Revocation Time"))
            #expect(single["revocationReason"] as? String == "superseded")
            #expect(fields.value("Revocation Reason")?.hasPrefix("superseded") == true)
        } else {
            #expect(single["revocationTime"] is NSNull)
            #expect(single["revocationReason"] is NSNull)
        }
        let certificate = try #require((json["certificates"] as? [[String: Any]])?.first)
        #expect(certificate["subject"] as? String == fields.value("Subject").map(RespText.rfc4514Compact))
        #expect(certificate["ocspSigning"] as? Bool == true)
        #expect(json["verification"] is NSNull)
        #expect(json["effectiveExpiry"] as? String == fields.time("Next Update"))
    }

    @Test func verifiesWithTheChainAndExits0() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let result = try OCSPDBinary.run(["inspect", scenario.output, "--chain", scenario.chainFile(), "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        let verification = try #require(json["verification"] as? [String: Any])
        #expect(verification["verified"] as? Bool == true)
        #expect(verification["error"] is NSNull)
    }

    @Test func verificationAfterExpiryWithAtExits1AndSaysWhy() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 10)
        #expect(try scenario.runRefresh().status == 0)
        let later = String(Int(Date().timeIntervalSince1970) + 3600)
        let result = try OCSPDBinary.run(["inspect", scenario.output, "--chain", scenario.chainFile(), "--at", later])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("FAILED: the proof expired"))
    }

    @Test func verificationForAnotherCertificateExits1() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let other = try Scenario()
        let result = try OCSPDBinary.run(["inspect", scenario.output, "--chain", other.chainFile()])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("holds no answer for serial \(other.leaf.serial)"))
    }

    @Test func issuerAloneVerifiesSignatureAndWindow() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        #expect(try OCSPDBinary.run(["inspect", scenario.output, "--issuer", scenario.pki.intermediate.certificatePath]).status == 0)
        #expect(try OCSPDBinary.run(["inspect", scenario.output, "--issuer", scenario.pki.root.certificatePath]).status == 1)
    }

    @Test func pemEncodedResponseIsDecoded() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        #expect(try scenario.runRefresh().status == 0)
        let pem =
            "-----BEGIN OCSP RESPONSE-----\n"
            + (try Data(contentsOf: URL(fileURLWithPath: scenario.output))).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END OCSP RESPONSE-----\n"
        let path = "\(scenario.folder)/staple.pem"
        try pem.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["inspect", path])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("Status:            good"))
    }

    @Test func somethingElseExits2NamingTheFileWithoutQuotingIt() throws {
        let folder = try TestPKI.scratchFolder("inspect")
        let path = "\(folder)/not-ocsp-\(UUID().uuidString).html"
        try "<html>Service Unavailable</html>".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try OCSPDBinary.run(["inspect", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("not an OCSP response"), "\(result.stderr)")
        #expect(!result.stderr.contains("<html>"), "\(result.stderr)")
        #expect(!result.stdoutText.contains("<html>"))
        #expect(try OCSPDBinary.run(["inspect", "/nonexistent/staple.ocsp"]).status == 2)
    }

    @Test func aSecretBehindALinkIsNeverQuoted() throws {
        // inspect follows links (a local tool reading what its user names), so a link to any
        // file may be named: its bytes must not come out in the message.
        let folder = try TestPKI.scratchFolder("inspect")
        let secret = "\(folder)/secret.txt"
        let link = "\(folder)/staple.der"
        try FileSystemFixtures.file(secret, Array("root:$6$hash:19000:0:99999:7:::\n".utf8))
        try FileSystemFixtures.link(link, to: secret)
        let result = try OCSPDBinary.run(["inspect", link, "--json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(link), "\(result.stderr)")
        #expect(!result.stderr.contains("root:"), "\(result.stderr)")
        #expect(!result.stdoutText.contains("root:"))
    }

    @Test func badAtIsAUsageError() throws {
        #expect(try OCSPDBinary.run(["inspect", "/dev/null", "--at", "yesterday"]).status == 64)
    }
}

/// The `Key: value` lines of `openssl ocsp -resp_text`, in OpenSSL's formats.
struct RespText {
    let lines: [(String, String)]

    init(_ text: String) {
        lines = text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces))
        }
    }

    func value(_ key: String) -> String? {
        lines.first { $0.0 == key }?.1
    }

    /// "Nov 29 02:03:47 2026 GMT" as RFC 3339.
    func time(_ key: String) -> String? {
        guard let text = value(key) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let squeezed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return formatter.date(from: squeezed).map(RFC3339.string)
    }

    /// "O = ocspd test, CN = Test Intermediate" as RFC 4514 ("CN=Test Intermediate,O=ocspd test").
    static func rfc4514(_ oneLine: String) -> String {
        oneLine.components(separatedBy: ", ").reversed().map { $0.replacingOccurrences(of: " = ", with: "=") }.joined(separator: ",")
    }

    /// "O=ocspd test, CN=Name" (certificate text form) as RFC 4514.
    static func rfc4514Compact(_ text: String) -> String {
        text.components(separatedBy: ", ").reversed().joined(separator: ",")
    }

    /// "0EDC61..." as lowercase hex without leading zeros.
    static func serial(_ text: String) -> String {
        let lowered = text.lowercased().drop { $0 == "0" }
        return lowered.isEmpty ? "0" : String(lowered)
    }
}
