import Foundation
import Testing

@testable import OCSPCore

/// Held locks cost one bounded wait per run, not one per output: a process holding the
/// locks of many outputs (anyone who may open lock files in the staple folder) cannot stretch
/// a cron run to hours, and a lock of another user is not waited for at all.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct LockWaitTests {
    typealias Fixtures = FileSystemFixtures
    static let outputs = 24

    /// Holds each output's lock with flock, as a process that never writes would.
    private final class Holders {
        private var descriptors: [Int32] = []

        init(locksOf outputs: [String], owner: uid_t?) throws {
            for output in outputs {
                let path = StateStore(directory: "/nonexistent").lockPath(for: output)
                let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
                guard descriptor >= 0 else { throw Fixtures.Failed("open \(path)") }
                descriptors.append(descriptor)
                guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw Fixtures.Failed("flock \(path)") }
                if let owner { guard fchown(descriptor, owner, owner) == 0 else { throw Fixtures.Failed("fchown \(path)") } }
            }
        }

        deinit { for descriptor in descriptors { close(descriptor) } }
    }

    /// `outputs` outputs of the scenario's one certificate in `folder`, each lock held.
    private static func configuration(_ scenario: Scenario, folder: String) throws -> (config: String, outputs: [String]) {
        let chain = try scenario.chainFile()
        let outputs = (0..<Self.outputs).map { "\(folder)/staple-\($0).der" }
        var text = "state-dir: \(scenario.stateDirectory)\ndefaults:\n  target: generic\nstaples:\n"
        for output in outputs { text += "  - chain: \(chain)\n    output: \(output)\n" }
        let config = "\(scenario.folder)/ocspd.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, outputs)
    }

    private static func count(_ fragment: String, in text: String) -> Int {
        text.components(separatedBy: fragment).count - 1
    }

    @Test func locksHeldInAFolderOfAnotherUserAreJudgedAtOnceWithoutWaiting() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let folder = "\(scenario.folder)/theirs"
        try Fixtures.folder(folder, owner: Fixtures.otherUser)
        let (config, outputs) = try Self.configuration(scenario, folder: folder)
        let holders = try Holders(locksOf: outputs, owner: Fixtures.otherUser)
        // 24 waits of 5 s in turn took two minutes; none is made now.
        let result = try OCSPDBinary.run(["refresh", "--config", config], within: 30)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(Self.count("neither root nor the user ocspd runs as", in: result.stderr) == Self.outputs, "\(result.stderr)")
        #expect(Self.count("No valid staple is in place", in: result.stderr) == Self.outputs, "\(result.stderr)")
        #expect(!result.stderr.contains("waiting up to"), "\(result.stderr)")
        #expect(outputs.allSatisfy { !Fixtures.exists($0) })
        withExtendedLifetime(holders) {}
    }

    @Test func locksOfRootHeldOnManyOutputsShareOneWaitForTheWholeRun() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let (config, outputs) = try Self.configuration(scenario, folder: scenario.folder)
        let holders = try Holders(locksOf: outputs, owner: nil)
        let result = try OCSPDBinary.run(["refresh", "--config", config], within: 30)
        #expect(result.status == 2, "\(result.stderr)")
        let waited = Self.count("waiting up to 5 s (one window per run)", in: result.stderr)
        let judgedAtOnce = Self.count("this run's 5 s of waiting for held locks are spent", in: result.stderr)
        // The outputs of one certificate wait together (the pool's slot is not held while
        // waiting), at most one per worker, all within the one window; the rest do not wait.
        #expect(waited >= 1 && waited <= ConcurrencyLimits().global, "\(result.stderr)")
        #expect(waited + judgedAtOnce == Self.outputs, "\(result.stderr)")
        #expect(Self.count("No valid staple is in place", in: result.stderr) == Self.outputs, "\(result.stderr)")
        withExtendedLifetime(holders) {}
    }
}

/// The run's window for waiting on held locks, and whose lock is worth waiting for.
@Suite struct LockWaitBudgetTests {
    @Test func theFirstWaitOpensTheWindowAndLaterWaitsEndWithIt() {
        let waits = LockWaitBudget(seconds: 5)
        #expect(waits.deadline(forWaitAt: 100) == 105)
        #expect(waits.deadline(forWaitAt: 103) == 105)
        // After the window: the deadline is past, so the lock is judged at once.
        #expect(waits.deadline(forWaitAt: 200) == 105)
    }

    @Test(arguments: [
        (owner: uid_t?(0), user: uid_t(0), worth: true),
        (owner: 1000, user: 1000, worth: true),
        (owner: 0, user: 1000, worth: true),
        (owner: 65534, user: 0, worth: false),
        (owner: 1000, user: 0, worth: false),
        (owner: nil, user: 0, worth: false),
    ])
    func onlyALockOfRootOrOfTheRunningUserIsWaitedFor(owner: uid_t?, user: uid_t, worth: Bool) {
        #expect(LockHolder.worthWaitingFor(lockOwner: owner, runningAs: user) == worth)
    }
}
