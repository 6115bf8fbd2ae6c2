import Foundation
import Testing

@testable import OCSPCore

/// ocspd (target exim) against a real Exim: what it writes is exactly what Exim staples, every
/// refresh is picked up, and no situation leaves Exim refusing STARTTLS.
@Suite(
    .enabled(
        if: EximServer.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
        "needs exim4-daemon-heavy and root; scripts/test.sh installs it"))
struct EximEndToEndTests {
    /// The staple's own folder: Exim watches it when `tls_ocsp_file` is a plain path.
    private func stapleFolder(_ scenario: Scenario) throws -> String {
        let folder = "\(scenario.folder)/ocsp"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    private func refresh(_ scenario: Scenario, staple: String, chain: String, _ extra: [String] = []) throws -> CommandResult {
        try scenario.runRefresh(["--target", "exim"] + extra, chain: chain, output: staple)
    }

    /// The common start: a responder, ocspd's first staple, and Exim serving it.
    private struct Setup {
        let scenario: Scenario
        let chain: String
        let staple: String
        let exim: EximServer
    }

    private func stapledExim(_ scenario: Scenario, form: EximServer.OCSPFileForm = .ifExists, _ extra: [String] = []) throws -> Setup {
        let chain = try scenario.chainFile()
        let staple = try stapleFolder(scenario) + "/mail.der"
        let first = try refresh(scenario, staple: staple, chain: chain, extra)
        guard first.status == 0 else { throw CommandFailed(command: "ocspd refresh", result: first) }
        let exim = try EximServer(chain: chain, key: scenario.leaf.keyPath, staple: staple, form: form)
        return Setup(scenario: scenario, chain: chain, staple: staple, exim: exim)
    }

    private func stapleBytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    @Test(arguments: [TLSProbe.ProtocolVersion.tls12, .tls13])
    func eximStaplesExactlyTheFileOcspdWrote(version: TLSProbe.ProtocolVersion) throws {
        let scenario = try Scenario()
        try scenario.startResponder(signer: scenario.pki.issueResponder())
        let setup = try stapledExim(scenario)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        let result = try exim.handshake(version)
        #expect(result.protocolVersion == version.rawValue)
        let stapled = try #require(result.stapled, "Exim stapled nothing")
        #expect(stapled == stapleBytes(staple))
        let leaf = try #require(result.presentedChain.first)
        let issuer = try #require(result.presentedChain.dropFirst().first)
        #expect(
            try StapleVerifier.verify(OCSPResponse(derBytes: stapled), for: StapleSubject(leaf: leaf, issuer: issuer), at: Date()).get()
                .status == .good)
        let path = "\(scenario.folder)/stapled.der"
        try Data(stapled).write(to: URL(fileURLWithPath: path))
        let check = try Command.run(
            "openssl", ["ocsp", "-respin", path, "-CAfile", scenario.pki.root.certificatePath, "-verify_other", chain, "-no_nonce"])
        #expect(check.stderr.contains("Response verify OK"), "\(check.stderr)")
    }

    @Test func newerProofIsStapledOnTheNextConnectionWithTheIfExistsForm() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        let first = try #require(stapleBytes(staple))
        #expect(try exim.handshake().stapled == first)
        sleep(1)
        #expect(try refresh(scenario, staple: staple, chain: chain, ["--force"]).status == 0)
        let second = try #require(stapleBytes(staple))
        #expect(second != first)
        #expect(try exim.handshake().stapled == second)
    }

    @Test func plainPathPicksUpANewerProofWithinTenSecondsAndNoHandshakeBreaks() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario, form: .plain)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        let first = try #require(stapleBytes(staple))
        #expect(try exim.handshake().stapled == first)
        sleep(1)
        #expect(try refresh(scenario, staple: staple, chain: chain, ["--force"]).status == 0)
        let second = try #require(stapleBytes(staple))
        let written = Date()
        var pickedUp: TimeInterval? = nil
        while Date().timeIntervalSince(written) < 10 {
            let result = try exim.handshake()
            #expect(result.stapled == first || result.stapled == second, "a connection got neither proof")
            if result.stapled == second {
                pickedUp = Date().timeIntervalSince(written)
                break
            }
            usleep(250_000)
        }
        #expect(pickedUp != nil, "Exim did not staple the new proof within 10 s")
    }

    @Test func responderOutagePastTheEffectiveExpiryRemovesTheStapleInTimeAndSTARTTLSStillWorks() throws {
        let scenario = try Scenario()
        // The delegated signer expires in 20 s, long before the proof's nextUpdate: the seed's failure mode.
        let signer = try scenario.pki.issueResponder(notAfter: Date().addingTimeInterval(20))
        try scenario.startResponder(signer: signer, minutes: 60)
        let margin = ["--expiry-margin", "15s"]
        let setup = try stapledExim(scenario, margin)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        #expect(try exim.handshake().stapled != nil)
        scenario.stopResponders()
        // Within the margin of the signer's expiry, with the responder down.
        Thread.sleep(until: signer.certificate.notAfter.addingTimeInterval(-14))
        let result = try refresh(scenario, staple: staple, chain: chain, margin)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("Removed the staple"))
        #expect(stapleBytes(staple) == nil)
        #expect(try exim.handshake().stapled == nil)
        Thread.sleep(until: signer.certificate.notAfter.addingTimeInterval(1))
        #expect(try exim.handshake().stapled == nil)
    }

    @Test func proofFromASignerAboutToExpireIsReplacedOnceTheResponderHasANewSigner() throws {
        let scenario = try Scenario()
        let shortLived = try scenario.pki.issueResponder(notAfter: Date().addingTimeInterval(20))
        try scenario.startResponder(signer: shortLived, minutes: 60)
        let margin = ["--expiry-margin", "15s"]
        let setup = try stapledExim(scenario, margin)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        // The CA rotates its responder certificate.
        scenario.stopResponders()
        let next = try scenario.pki.issueResponder()
        try scenario.startResponder(signer: next, minutes: 60)
        // Due well before the old signer's expiry (effective expiry − margin), without --force.
        Thread.sleep(until: shortLived.certificate.notAfter.addingTimeInterval(-14))
        #expect(try refresh(scenario, staple: staple, chain: chain, margin).status == 0)
        let bytes = try #require(stapleBytes(staple))
        let staple2 = try StapleVerifier.verify(OCSPResponse(derBytes: bytes), for: scenario.subject, at: Date()).get()
        #expect(staple2.signer == next.certificate)
        #expect(try exim.handshake().stapled == bytes)
    }

    @Test func revocationRemovesTheStapleAndSTARTTLSStillWorks() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        #expect(try exim.handshake().stapled != nil)
        try scenario.revokeLeaf()
        #expect(try refresh(scenario, staple: staple, chain: chain, ["--force"]).status == 3)
        #expect(stapleBytes(staple) == nil)
        #expect(try exim.handshake().stapled == nil)
    }

    @Test func certificateRenewalWithRefreshFromTheDeployHookNeverBreaksAHandshake() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        #expect(try exim.handshake().stapled != nil)

        // Deploy: new certificate and key in place, then `ocspd refresh --force` as the hook.
        let renewed = try scenario.renewLeaf()
        let newChain = try scenario.pki.chainFile(for: renewed, in: scenario.folder)
        let keyCopy = "\(exim.folder)/server.key"
        try FileManager.default.removeItem(atPath: keyCopy)
        try FileManager.default.copyItem(atPath: renewed.keyPath, toPath: keyCopy)
        try EximServer.chown([keyCopy])
        rename(newChain, chain)
        #expect(try refresh(scenario, staple: staple, chain: chain, ["--force"]).status == 0)
        let bytes = try #require(stapleBytes(staple))

        let deadline = Date().addingTimeInterval(20)
        var served = false
        while Date() < deadline {
            let result = try exim.handshake()
            if result.presentedChain.first == renewed.certificate {
                #expect(result.stapled == bytes)
                served = true
                break
            }
            usleep(250_000)
        }
        #expect(served, "Exim did not present the renewed certificate within 20 s")
    }

    @Test func killedWritesNeverLeaveEximWithABrokenStaple() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario)
        let (chain, staple, exim) = (setup.chain, setup.staple, setup.exim)
        // Killed runs must not reach `openssl ocsp` half-connected (it would stop answering): a front forwards whole requests.
        let front = try TestHTTPServer.proxy(to: scenario.url)
        defer { front.stop() }
        for round in 0..<25 {
            let log = "\(scenario.folder)/killed-\(round).log"
            let run = try ChildProcess(
                [
                    OCSPDBinary.path, "refresh", "--target", "exim", "--force", "--chain", chain, "--output", staple,
                    "--state-dir", scenario.stateDirectory, "--responder", front.url,
                ], stdout: log, stderr: log)
            usleep(UInt32.random(in: 0...40_000))
            run.signal(SIGKILL)
            run.wait()
            let result = try exim.handshake()
            let stapled = try #require(result.stapled, "round \(round): no staple")
            #expect(try StapleVerifier.verify(OCSPResponse(derBytes: stapled), for: scenario.subject, at: Date()).get().status == .good)
        }
        #expect(try refresh(scenario, staple: staple, chain: chain, ["--force", "--responder", front.url]).status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (staple as NSString).deletingLastPathComponent)
        // The staple and its lock (a dot-file that stays, as flock needs), nothing else.
        #expect(leftovers.sorted() == [".mail.der.ocspd-lock", "mail.der"])
    }

    @Test func eximClientRequiringOCSPDeliversWithTheStapleAndDefersWithoutOne() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let setup = try stapledExim(scenario)
        let (staple, exim) = (setup.staple, setup.exim)
        let client = try EximClient(server: exim, root: scenario.pki.root.certificatePath)
        let delivered = try client.send()
        #expect(delivered.contains(" => postmaster@example.test"), "\(delivered)\n\(exim.logText)")
        #expect(delivered.contains(" Completed"))

        try FileManager.default.removeItem(atPath: staple)
        let deferred = try client.send()
        #expect(deferred.contains(" == postmaster@example.test"), "\(deferred)")
        #expect(deferred.contains("certificate status check failed"))
    }
}

extension EximEndToEndTests {
    /// Measured first (docs in NOTES15-nonext): Debian's Exim with GnuTLS staples a proof
    /// without nextUpdate over TLS 1.2 and 1.3, and its own client with `hosts_require_ocsp`
    /// accepts it. So target exim keeps such a proof, for `assume-validity` after thisUpdate.
    @Test(arguments: [TLSProbe.ProtocolVersion.tls12, .tls13])
    func eximStaplesAProofWithoutNextUpdateAndItsClientRequiringOCSPDelivers(version: TLSProbe.ProtocolVersion) throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: nil)
        let chain = try scenario.chainFile()
        let folder = "\(scenario.folder)/ocsp"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let staple = folder + "/mail.der"
        let refreshed = try scenario.runRefresh(["--target", "exim"], chain: chain, output: staple)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: staple).map(Array.init))
        #expect(try OCSPResponse(derBytes: bytes).basic?.responses.first?.nextUpdate == nil)

        let exim = try EximServer(chain: chain, key: scenario.leaf.keyPath, staple: staple)
        let result = try exim.handshake(version)
        #expect(result.protocolVersion == version.rawValue)
        #expect(result.stapled == bytes, "Exim did not staple the proof without nextUpdate")
        let client = try EximClient(server: exim, root: scenario.pki.root.certificatePath)
        let delivered = try client.send()
        #expect(delivered.contains(" => postmaster@example.test"), "\(delivered)\n\(exim.logText)")
    }

    /// Why target exim takes no `assume-validity` over 15 days (`Target.eximNoNextUpdateLimit`):
    /// GnuTLS staples a proof without nextUpdate until 15 days after its thisUpdate, then sends
    /// none (STARTTLS still works, and a client requiring OCSP defers).
    @Test(arguments: [(14.0, true), (16.0, false)])
    func eximStaplesAProofWithoutNextUpdateForFifteenDaysAfterItsThisUpdate(days: Double, stapled: Bool) throws {
        let scenario = try Scenario()
        let chain = try scenario.chainFile()
        let staple = "\(scenario.folder)/mail.der"
        let bytes = try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate,
            answers: [.init(thisUpdate: Date().addingTimeInterval(-days * 86400), nextUpdate: nil)])
        try Data(bytes).write(to: URL(fileURLWithPath: staple))
        try EximServer.chown([staple])
        let exim = try EximServer(chain: chain, key: scenario.leaf.keyPath, staple: staple)
        let result = try exim.handshake()
        #expect((result.stapled == bytes) == stapled)
        #expect(stapled || result.stapled == nil)
        let delivered = try EximClient(server: exim, root: scenario.pki.root.certificatePath).send()
        #expect(delivered.contains(stapled ? " => postmaster@example.test" : "certificate status check failed"), "\(delivered)")
    }
}

/// In CI (root, scripts/test.sh installed Exim) the Exim tests must not be skipped silently.
@Suite struct EximAvailabilityTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil))
    func eximIsInstalledWhereCIRuns() {
        #expect(EximServer.isAvailable, "scripts/test.sh should have installed exim4-daemon-heavy")
    }
}
