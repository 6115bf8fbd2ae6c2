import Foundation
import Logging
import Testing

@testable import OCSPCore

/// A state file is believed for decisions (its verified record, its revocation list) only
/// when root or the running user owns it and it has one name; the state folder may be
/// writable by the unprivileged `ocspd` user while root's cron job uses it.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct StateFileTrustTests {
    typealias Fixtures = FileSystemFixtures
    static let farFuture = "2031-01-01T00:00:00Z"
    static let farFutureDate = Date(timeIntervalSince1970: 1_924_992_000)

    /// A good staple in place and its state, then the state's verified record rewritten to
    /// claim the proof holds until 2031.
    static func forgedState(_ scenario: Scenario, responder: ScriptedResponder) throws -> String {
        responder.serve(try RevocationLedgerTests.answer(scenario, revoked: false))
        #expect(try scenario.refresh(target: .nginx, responder: responder.url).exitCode == ExitStatus.stapled)
        let path = StateStore(directory: scenario.stateDirectory).statePath(for: scenario.output)
        let data = try #require(FileManager.default.contents(atPath: path))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var verified = try #require(json["verified"] as? [String: Any])
        verified["effectiveExpiry"] = farFuture
        verified["nextUpdate"] = farFuture
        json["verified"] = verified
        let forged = try JSONSerialization.data(withJSONObject: json)
        unlink(path)
        try Fixtures.file(path, Array(forged), mode: 0o644)
        return path
    }

    static func expiry(_ outcome: RefreshOutcome) -> Date? { outcome.factsInPlace?.effectiveExpiry }

    @Test func aForgedStateFileOfAnotherUserIsIgnoredAndTheRealExpiryReported() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let path = try Self.forgedState(scenario, responder: responder)
        #expect(chown(path, Fixtures.otherUser, Fixtures.otherUser) == 0)
        let requests = responder.requestCount

        let outcome = try scenario.refresh(target: .nginx, responder: responder.url)
        let expiry = try #require(Self.expiry(outcome))
        #expect(expiry < Self.farFutureDate, "the forged expiry was believed: \(expiry)")
        #expect(responder.requestCount == requests, "a fresh staple on disk costs no request on the full path")
    }

    @Test func checkJudgesTheStapleItselfWhenTheStateFileIsAnotherUsers() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let path = try Self.forgedState(scenario, responder: responder)
        #expect(chown(path, Fixtures.otherUser, Fixtures.otherUser) == 0)
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .nginx))

        let health = StapleHealth.assess(
            job, store: StateStore(directory: scenario.stateDirectory), at: Date(), warning: 86400, critical: 3600)
        let expiry = try #require(health.staple?.effectiveExpiry)
        #expect(expiry < Self.farFutureDate, "check believed the forged expiry: \(expiry)")
    }

    @Test func aStateFileWithASecondNameIsIgnored() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        let path = try Self.forgedState(scenario, responder: responder)
        #expect(link(path, "\(scenario.stateDirectory)/second-name") == 0)

        let outcome = try scenario.refresh(target: .nginx, responder: responder.url)
        let expiry = try #require(Self.expiry(outcome))
        #expect(expiry < Self.farFutureDate, "the forged expiry was believed: \(expiry)")
    }

    /// The other side: the same file, ours and with one name, is what the fast path is for.
    @Test func ourOwnStateFileIsBelievedByTheFastPath() throws {
        let scenario = try Scenario()
        let responder = try ScriptedResponder()
        _ = try Self.forgedState(scenario, responder: responder)

        let outcome = try scenario.refresh(target: .nginx, responder: responder.url)
        #expect(Self.expiry(outcome) == Self.farFutureDate)
    }

    @Test func aStateFileOfAnotherUserKeepsItsPlansButNotItsClaims() throws {
        let scenario = try Scenario()
        let store = StateStore(directory: scenario.stateDirectory)
        try store.prepare(forOutput: scenario.output)
        var state = StapleState(outputPath: scenario.output)
        state.recordRevocation(of: scenario.subject)
        state.consecutiveFailures = 2
        try store.save(state, for: scenario.output)
        #expect(store.load(for: scenario.output).hasSeenRevocation(of: scenario.subject))
        #expect(chown(store.statePath(for: scenario.output), Fixtures.otherUser, Fixtures.otherUser) == 0)

        let loaded = store.load(for: scenario.output)
        #expect(!loaded.hasSeenRevocation(of: scenario.subject))
        #expect(loaded.verified == nil)
        #expect(loaded.consecutiveFailures == 2)
    }

    @Test func theStateFolderIsNeverCreatedThroughAnUntrustedLink() throws {
        let scenario = try Scenario()
        let theirs = "\(scenario.folder)/theirs"
        let target = "\(scenario.folder)/target"
        try Fixtures.folder(theirs, owner: Fixtures.otherUser)
        try Fixtures.folder(target)
        try Fixtures.link("\(theirs)/link", to: target, owner: Fixtures.otherUser)
        let store = StateStore(directory: "\(theirs)/link/state")

        #expect(throws: StateError.self) { try store.prepare(forOutput: scenario.output) }
        #expect(!Fixtures.exists("\(target)/state"), "a root-owned folder was created through another user's link")
    }

    @Test func theStateFolderIsCreatedInItsParent() throws {
        let scenario = try Scenario()
        let store = StateStore(directory: "\(scenario.folder)/new-state")
        try store.prepare(forOutput: scenario.output)
        #expect(Fixtures.kind("\(scenario.folder)/new-state") == .folder)
    }

    @Test func aStateFolderThatIsAFileIsRefused() throws {
        let scenario = try Scenario()
        try Fixtures.file("\(scenario.folder)/plain", [1])
        let store = StateStore(directory: "\(scenario.folder)/plain")
        #expect(throws: StateError.self) { try store.prepare(forOutput: scenario.output) }
    }
}
