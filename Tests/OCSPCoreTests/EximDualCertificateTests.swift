import Foundation
import Testing

@testable import OCSPCore

/// Exim with an RSA and an ECDSA certificate (`tls_certificate = rsa.pem : ecdsa.pem`) and
/// the matching list of ocspd's staples in `tls_ocsp_file`, in the form docs/exim.md gives:
/// each key type gets its own staple, byte for byte, and no missing staple ever costs TLS.
@Suite(
    .enabled(
        if: EximServer.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
        "needs exim4-daemon-heavy and root; scripts/test.sh installs it"))
struct EximDualCertificateTests {
    /// Both staples written by one `ocspd refresh --config`, and Exim serving both certificates.
    private func stapledExim(ocspFile: ((DualCertificateSetup) -> String)? = nil) throws -> (DualCertificateSetup, EximServer) {
        let setup = try DualCertificateSetup()
        let first = try setup.refresh()
        guard first.status == 0 else { throw CommandFailed(command: "ocspd refresh --config", result: first) }
        let exim = try EximServer(certificates: setup.certificates, ocspFile: ocspFile?(setup) ?? setup.gatedOCSPFile)
        return (setup, exim)
    }

    @Test(arguments: [TLSProbe.ProtocolVersion.tls12, .tls13])
    func eachKeyTypeGetsTheStapleOcspdWroteForItsCertificate(version: TLSProbe.ProtocolVersion) throws {
        let (setup, exim) = try stapledExim()
        let ecdsa = try exim.handshake(offering: .ecdsa, version)
        #expect(ecdsa.protocolVersion == version.rawValue)
        #expect(ecdsa.presentedChain.first == setup.ecdsa.certificate)
        let ecdsaStapled = try #require(ecdsa.stapled, "no staple for ECDSA")
        #expect(ecdsaStapled == setup.bytes(setup.ecdsaStaple))
        let rsa = try exim.handshake(offering: .rsa, version)
        #expect(rsa.presentedChain.first == setup.rsa.certificate)
        let rsaStapled = try #require(rsa.stapled, "no staple for RSA")
        #expect(rsaStapled == setup.bytes(setup.rsaStaple))
        #expect(setup.bytes(setup.rsaStaple) != setup.bytes(setup.ecdsaStaple))
    }

    @Test func ocspdProbeWithAKeyTypeComparesThatCertificatesStaple() throws {
        let (setup, exim) = try stapledExim()
        // The test responder's proofs last an hour: thresholds below that.
        let probe = ["probe", "127.0.0.1:\(exim.port)", "--starttls", "smtp", "--warning", "10m", "--critical", "5m"]
        for (keyType, staple, other) in [("rsa", setup.rsaStaple, setup.ecdsaStaple), ("ecdsa", setup.ecdsaStaple, setup.rsaStaple)] {
            let matching = try OCSPDBinary.run(probe + ["--key-type", keyType, "--expect", staple])
            #expect(matching.status == 0, "\(keyType): \(matching.stdoutText)")
            #expect(matching.stdoutText.contains("identical to \(staple)"))
            let crossed = try OCSPDBinary.run(probe + ["--key-type", keyType, "--expect", other])
            #expect(crossed.status == 1, "\(keyType) against the other staple: \(crossed.stdoutText)")
            #expect(crossed.stdoutText.contains("different proof than \(other)"))
        }
    }

    @Test func eximClientRequiringOCSPDeliversOverEitherKeyType() throws {
        let (setup, exim) = try stapledExim()
        for keyType in TLSProbe.KeyType.allCases {
            let client = try EximClient(server: exim, root: setup.scenario.pki.root.certificatePath, requireCiphers: keyType.eximPriority)
            let log = try client.send()
            #expect(log.contains(" => postmaster@example.test"), "\(keyType): \(log)\n\(exim.logText)")
            #expect(log.contains(keyType.eximCipherSignature), "\(keyType) was not the key type used: \(log)")
        }
    }

    @Test func withTheSecondStapleMissingTheFirstKeepsItsStapleAndBothKeepTLS() throws {
        let (setup, exim) = try stapledExim()
        try FileManager.default.removeItem(atPath: setup.ecdsaStaple)
        #expect(try exim.handshake(offering: .ecdsa).stapled == nil)
        #expect(try exim.handshake(offering: .rsa).stapled == setup.bytes(setup.rsaStaple))
        let root = setup.scenario.pki.root.certificatePath
        let ecdsaClient = try EximClient(server: exim, root: root, requireCiphers: TLSProbe.KeyType.ecdsa.eximPriority)
        #expect(try ecdsaClient.send().contains("certificate status check failed"))
        let rsaClient = try EximClient(server: exim, root: root, requireCiphers: TLSProbe.KeyType.rsa.eximPriority)
        #expect(try rsaClient.send().contains(" => postmaster@example.test"))
    }

    @Test func withTheFirstStapleMissingNeitherIsStapledButBothKeepTLS() throws {
        let (setup, exim) = try stapledExim()
        try FileManager.default.removeItem(atPath: setup.rsaStaple)
        for keyType in TLSProbe.KeyType.allCases {
            let result = try exim.handshake(offering: keyType)
            #expect(result.presentedChain.first == (keyType == .rsa ? setup.rsa : setup.ecdsa).certificate)
            #expect(result.stapled == nil)
        }
    }

    @Test func revokingOneCertificateRemovesOnlyItsStapleAndTLSKeepsWorking() throws {
        let (setup, exim) = try stapledExim()
        try setup.scenario.pki.revoke(setup.rsa)
        setup.scenario.pokeResponders()
        let result = try setup.refresh(["--force"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(setup.bytes(setup.rsaStaple) == nil)
        #expect(setup.bytes(setup.ecdsaStaple) != nil)
        // The gated form: with the first staple gone neither is stapled, and STARTTLS works for both.
        #expect(try exim.handshake(offering: .rsa).stapled == nil)
        #expect(try exim.handshake(offering: .ecdsa).stapled == nil)
    }

    @Test func reorderedListsStapleEveryStapleThatExistsAndKeepTLS() throws {
        let setup = try DualCertificateSetup()
        #expect(try setup.refresh().status == 0)
        try EximServer.chown([setup.rsa.keyPath, setup.ecdsa.keyPath])
        let lists = setup.reorderedLists
        let exim = try EximServer(
            certificates: setup.certificates, ocspFile: lists.ocspFile, tlsCertificate: lists.certificates, tlsPrivateKey: lists.keys)
        let rsaBytes = setup.bytes(setup.rsaStaple)
        let ecdsaBytes = setup.bytes(setup.ecdsaStaple)
        // Both, then each one alone, then none: each key type has its staple exactly when it exists.
        let cases: [(rsa: [UInt8]?, ecdsa: [UInt8]?)] = [(rsaBytes, ecdsaBytes), (nil, ecdsaBytes), (rsaBytes, nil), (nil, nil)]
        for files in cases {
            try place(files.rsa, at: setup.rsaStaple)
            try place(files.ecdsa, at: setup.ecdsaStaple)
            let rsa = try exim.handshake(offering: .rsa)
            let ecdsa = try exim.handshake(offering: .ecdsa)
            #expect(rsa.presentedChain.first == setup.rsa.certificate)
            #expect(ecdsa.presentedChain.first == setup.ecdsa.certificate)
            #expect(rsa.stapled == files.rsa, "RSA staple present: \(files.rsa != nil)")
            #expect(ecdsa.stapled == files.ecdsa, "ECDSA staple present: \(files.ecdsa != nil)")
        }
    }

    /// Writes `bytes` to `path`, or removes it for nil.
    private func place(_ bytes: [UInt8]?, at path: String) throws {
        if let bytes {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } else if FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    /// Why docs/exim.md does not give the simpler form: Exim expands the whole list, and an
    /// element that expands empty before the last is a file GnuTLS cannot read.
    @Test func perElementFormRefusesSTARTTLSToBothKeyTypesWhenTheFirstStapleIsMissing() throws {
        let (setup, exim) = try stapledExim(ocspFile: { $0.perElementOCSPFile })
        #expect(try exim.handshake(offering: .ecdsa).stapled == setup.bytes(setup.ecdsaStaple))
        try FileManager.default.removeItem(atPath: setup.rsaStaple)
        for keyType in TLSProbe.KeyType.allCases {
            #expect(throws: ProbeError.self, "\(keyType) handshake should fail") { try exim.handshake(offering: keyType) }
        }
        #expect(exim.logText.contains("gnutls_certificate_set_ocsp_status_request_file2"))
    }
}
