import COpenSSL
import Foundation
import Logging
import Testing

@testable import OCSPCore

/// A tmpfs of a few KB mounted for one test and filled to ENOSPC on demand. Mounting needs
/// root; the suite runs as root on the machine and in CI.
final class SmallTmpfs {
    let path: String

    static var available: Bool {
        if getuid() != 0 { print("skipped: mounting a tmpfs for ENOSPC needs root (uid \(getuid()))") }
        return getuid() == 0
    }

    init(at path: String, size: String = "64k") throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }

    /// Fills the file system until writes fail with ENOSPC.
    func fill() {
        let descriptor = open("\(path)/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    deinit {
        _ = try? Command.run("/bin/umount", [path])
    }
}

/// A learned revocation is never forgotten: not on a full disk, not with a corrupt state
/// file, not by a run with another state folder.
@Suite struct RevocationLedgerTests {
    static func answer(_ scenario: Scenario, revoked: Bool) throws -> [UInt8] {
        let now = Date()
        var answer = ProofForger.Answer(thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(7 * 86400))
        if revoked {
            answer.status = V_OCSP_CERTSTATUS_REVOKED
            answer.reason = 1
            answer.revocationTime = now.addingTimeInterval(-3600)
        }
        return try ProofForger.sign(
            for: scenario.leaf, issuer: scenario.pki.intermediate, signer: scenario.pki.intermediate, answers: [answer])
    }

    static func refresh(_ scenario: Scenario, responder: ScriptedResponder, stateDirectory: String, target: String = "exim") throws
        -> CommandResult
    {
        try OCSPDBinary.run([
            "refresh", "--force", "--target", target, "--chain", scenario.chainFile(), "--output", scenario.output,
            "--responder", responder.url, "--state-dir", stateDirectory,
        ])
    }

    static func records(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.contains("revoked-") && !$0.contains(StapleWriter.temporaryMarker)
        }
    }

    @Test func aFullStateFolderDoesNotLetAGoodAnswerFollowARevokedOne() throws {
        guard SmallTmpfs.available else { return }
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let state = try SmallTmpfs(at: "\(scenario.folder)/full-state")
        responder.serve(try Self.answer(scenario, revoked: false))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: state.path).status == 0)
        state.fill()

        responder.serve(try Self.answer(scenario, revoked: true))
        let revoked = try Self.refresh(scenario, responder: responder, stateDirectory: state.path)
        #expect(revoked.status == 3, "\(revoked.stderr)")
        #expect(scenario.stapleBytes == nil, "Exim's good staple stayed for a revoked certificate")
        #expect(Self.records(in: scenario.folder).count == 1)

        responder.serve(try Self.answer(scenario, revoked: false))
        let good = try Self.refresh(scenario, responder: responder, stateDirectory: state.path)
        #expect(good.status == 3, "\(good.stderr)")
        #expect(scenario.stapleBytes == nil, "a good proof was written after a revocation")
    }

    @Test func aCorruptStateFileDoesNotForgetARevocation() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)
        #expect(Self.records(in: scenario.stateDirectory).count == 1)
        let store = StateStore(directory: scenario.stateDirectory)
        try "{ not json".write(toFile: store.statePath(for: scenario.output), atomically: true, encoding: .utf8)
        // Only the state folder's record: the one beside the staple is gone too.
        for name in Self.records(in: scenario.folder) { unlink("\(scenario.folder)/\(name)") }

        responder.serve(try Self.answer(scenario, revoked: false))
        let good = try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
        #expect(good.status == 3, "\(good.stderr)")
        #expect(scenario.stapleBytes == nil)
    }

    @Test func anotherStateFolderOnTheSameOutputSeesTheRevocation() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)

        responder.serve(try Self.answer(scenario, revoked: false))
        let other = "\(scenario.folder)/other-state"
        let good = try Self.refresh(scenario, responder: responder, stateDirectory: other)
        #expect(good.status == 3, "\(good.stderr)")
        #expect(scenario.stapleBytes == nil)
    }

    /// An old state file (before records carried the proof) listing a revocation.
    static func oldState(_ scenario: Scenario, owner: uid_t? = nil) throws {
        let store = StateStore(directory: scenario.stateDirectory)
        try store.prepare(forOutput: scenario.output)
        var old = StapleState(outputPath: scenario.output)
        old.recordRevocation(of: scenario.subject)
        try store.save(old, for: scenario.output)
        if let owner { #expect(chown(store.statePath(for: scenario.output), owner, owner) == 0) }
    }

    /// No proof, so no record: good proofs are refused, and the responder is asked for the proof.
    @Test func revocationsInAnOldStateFileRefuseGoodProofsAndAskForTheProof() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        try Self.oldState(scenario)

        responder.serve(try Self.answer(scenario, revoked: false))
        let result = try OCSPDBinary.run([
            "refresh", "--target", "nginx", "--chain", scenario.chainFile(), "--output", scenario.output,
            "--responder", responder.url, "--state-dir", scenario.stateDirectory,
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(responder.requestCount == 1)
        #expect(Self.records(in: scenario.stateDirectory).isEmpty, "a record was written without the proof")
        #expect(Self.records(in: scenario.folder).isEmpty, "a record was written without the proof")
        #expect(scenario.stapleBytes == nil)
    }

    @Test func aRevokedAnswerTurnsAnOldStateFilesRevocationIntoRecords() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        try Self.oldState(scenario)

        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)
        #expect(Self.records(in: scenario.stateDirectory).count == 1)
        #expect(Self.records(in: scenario.folder).count == 1)
    }

    @Test func anOldStateFilesRevocationRemovesEximsGoodStapleAndAsksForTheProof() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        try StapleWriter.write(Self.answer(scenario, revoked: false), to: scenario.output)
        try Self.oldState(scenario)

        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)
        #expect(responder.requestCount == 1)
        #expect(scenario.stapleBytes == nil, "Exim's good staple stayed for a certificate listed as revoked")
        #expect(Self.records(in: scenario.stateDirectory).count == 1)
    }

    @Test func revocationsInAStateFileOfAnotherUserAreNotBelieved() throws {
        guard FileSystemFixtures.isRoot else {
            print("skipped: chown to another user needs root")
            return
        }
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        try Self.oldState(scenario, owner: FileSystemFixtures.otherUser)

        responder.serve(try Self.answer(scenario, revoked: false))
        let result = try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scenario.stapleBytes != nil)
        #expect(Self.records(in: scenario.stateDirectory).isEmpty)
    }

    @Test func withNoRecordWritableAnywhereThisProcessStillRefusesGoodProofs() throws {
        guard SmallTmpfs.available else { return }
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let disk = try SmallTmpfs(at: "\(scenario.folder)/disk")
        let output = "\(disk.path)/out/staple.der"
        let stateDirectory = "\(disk.path)/state"
        try FileManager.default.createDirectory(atPath: "\(disk.path)/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        disk.fill()
        let log = CapturedLog()
        let job = RefreshJob(
            chainPath: try scenario.chainFile(), outputPath: output, responderURL: responder.url,
            policy: TargetPolicy(target: .nginx), force: true)
        let refresher = Refresher(transport: CurlTransport(), stateStore: StateStore(directory: stateDirectory), logger: log.logger)

        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(refresher.refresh(job).exitCode == ExitStatus.revoked)
        #expect(log.text.contains("could not record the revocation"))
        responder.serve(try Self.answer(scenario, revoked: false))
        #expect(refresher.refresh(job).exitCode == ExitStatus.revoked)
        #expect(FileManager.default.contents(atPath: output) == nil)
    }

    @Test func aGoodEximStapleForACertificateKnownRevokedIsRemovedWithoutARequest() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)
        // A good staple put back by hand (a backup restored); another state folder, the responder down.
        try StapleWriter.write(Self.answer(scenario, revoked: false), to: scenario.output)
        responder.serve(nil)
        let requests = responder.requestCount
        let result = try OCSPDBinary.run([
            "refresh", "--target", "exim", "--chain", scenario.chainFile(), "--output", scenario.output,
            "--responder", responder.url, "--state-dir", "\(scenario.folder)/other-state",
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(scenario.stapleBytes == nil)
        #expect(responder.requestCount == requests)
    }

    @Test func aFailedRefreshWithARevokedProofInPlaceExits3() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx").status == 3)
        let revoked = scenario.stapleBytes
        responder.serve(nil)
        let failed = try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory, target: "nginx")
        #expect(failed.status == 3, "\(failed.stderr)")
        #expect(failed.stderr.contains("REVOKED"))
        #expect(scenario.stapleBytes == revoked)
    }

    @Test func aRevocationLearnedForOneOutputHoldsForEveryOutputOfTheCertificate() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        responder.serve(try Self.answer(scenario, revoked: true))
        #expect(try Self.refresh(scenario, responder: responder, stateDirectory: scenario.stateDirectory).status == 3)

        responder.serve(try Self.answer(scenario, revoked: false))
        let elsewhere = "\(scenario.folder)/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let result = try OCSPDBinary.run([
            "refresh", "--target", "nginx", "--chain", scenario.chainFile(), "--output", "\(elsewhere)/copy.der",
            "--responder", responder.url, "--state-dir", scenario.stateDirectory,
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: "\(elsewhere)/copy.der") == nil)
    }
}
