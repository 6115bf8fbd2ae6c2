import Foundation
import Testing

@testable import OCSPCore

/// The real daemon, a real `openssl ocsp` responder, a watched `directories:` folder: a chain
/// removed from it loses the staple ocspd put beside it, after a second look, and only that.
@Suite struct RemovedChainDaemonTests {
    /// A watched folder holding `names` (copies of the scenario's chain) and one more chain
    /// that stays (a folder left with no chain at all keeps every staple: it is what an
    /// unmounted share looks like), watched by a daemon of target `target` that checks the
    /// folder only hourly (only the watch sees changes).
    private func watchedFolder(_ names: [String], target: String) throws -> (Scenario, String, RunningDaemon) {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chains = "\(scenario.folder)/crt"
        try FileManager.default.createDirectory(atPath: chains, withIntermediateDirectories: true)
        for name in names + [Self.stayingChain] {
            try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(chains)/\(name)")
        }
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                watch-interval: 1h
                defaults: { target: \(target) }
                directories: [ { path: \(chains) } ]
                """)
        for name in names {
            #expect(eventually(15) { exists("\(chains)/\(name).ocsp") }, "\(daemon.text)")
        }
        return (scenario, chains, daemon)
    }

    static let stayingChain = "stays.pem"

    /// A folder `crt` holding `names` (copies of the scenario's chain) and a configuration
    /// watching it for target exim, its staples beside the chains or in `outputFolder`.
    private func configuredFolder(
        _ scenario: Scenario, holding names: [String], outputFolder: String? = nil
    ) throws -> (chains: String, config: String) {
        let chains = "\(scenario.folder)/crt"
        for folder in [chains] + (outputFolder.map { [$0] } ?? []) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for name in names {
            try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(chains)/\(name)")
        }
        let config = "\(scenario.folder)/ocspd.yaml"
        let output = outputFolder.map { ", output-dir: \($0)" } ?? ""
        try "state-dir: \(scenario.stateDirectory)\ndirectories: [ { path: \(chains)\(output), target: exim } ]\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        return (chains, config)
    }

    private func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    @Test func aChainDeletedFromAWatchedFolderLosesItsStapleStateAndLockWithinSeconds() throws {
        let (scenario, chains, daemon) = try watchedFolder(["mail.pem"], target: "exim")
        let staple = "\(chains)/mail.pem.ocsp"
        let store = StateStore(directory: scenario.stateDirectory)
        #expect(eventually(10) { exists(store.statePath(for: staple)) })
        unlink("\(chains)/mail.pem")
        #expect(eventually(15) { !exists(staple) }, "\(daemon.text)")
        #expect(eventually(5) { !exists(store.statePath(for: staple)) }, "\(daemon.text)")
        #expect(!exists(store.lockPath(for: staple)))
        #expect(daemon.text.contains("removed its staple \(staple)"), "\(daemon.text)")
        #expect(daemon.text.contains("dropped the state"), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aChainDeletedAndWrittenAgainWithinTheSettleDelayKeepsItsStaple() throws {
        let (scenario, chains, daemon) = try watchedFolder(["mail.pem", "marker.pem"], target: "exim")
        defer { withExtendedLifetime(scenario) {} }
        let chain = "\(chains)/mail.pem"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: chain))
        unlink(chain)
        try bytes.write(to: URL(fileURLWithPath: chain))
        // A chain deleted after the renewal: once its staple is gone, mail.pem's second look is past too.
        unlink("\(chains)/marker.pem")
        #expect(eventually(15) { !exists("\(chains)/marker.pem.ocsp") }, "\(daemon.text)")
        #expect(exists("\(chains)/mail.pem.ocsp"))
        #expect(!daemon.text.contains("removed its staple \(chains)/mail.pem.ocsp"), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aChainRemovedFromAWatchedFolderOfTargetNginxKeepsItsStaple() throws {
        let (scenario, chains, daemon) = try watchedFolder(["web.pem"], target: "nginx")
        let staple = "\(chains)/web.pem.ocsp"
        unlink("\(chains)/web.pem")
        #expect(daemon.logs("its staple \(staple) is left in place: target nginx never removes", within: 15), "\(daemon.text)")
        #expect(exists(staple))
        #expect(!exists(StateStore(directory: scenario.stateDirectory).statePath(for: staple)), "its state is dropped")
        #expect(daemon.terminate() == 0)
    }

    @Test func anOperatorsOwnFileAtTheStapleNameStaysWhenItsChainIsRemoved() throws {
        let (scenario, chains, daemon) = try watchedFolder(["mail.pem"], target: "exim")
        defer { withExtendedLifetime(scenario) {} }
        let staple = "\(chains)/mail.pem.ocsp"
        let own = Data("the operator's own file\n".utf8)
        try own.write(to: URL(fileURLWithPath: staple))
        unlink("\(chains)/mail.pem")
        #expect(
            daemon.logs("its staple \(staple) is left in place: it is not the proof ocspd last wrote there", within: 15), "\(daemon.text)")
        #expect(FileManager.default.contents(atPath: staple) == own)
        #expect(daemon.terminate() == 0)
    }

    @Test func aChainRemovedWhileTheDaemonWasStoppedLosesItsStapleAfterTheNextStart() throws {
        let (scenario, chains, daemon) = try watchedFolder(["mail.pem"], target: "exim")
        let staple = "\(chains)/mail.pem.ocsp"
        #expect(daemon.terminate() == 0)
        unlink("\(chains)/mail.pem")
        let restarted = try RunningDaemon(config: daemon.config)
        #expect(eventually(15) { !exists(staple) }, "\(restarted.text)")
        #expect(!exists(StateStore(directory: scenario.stateDirectory).statePath(for: staple)))
        #expect(restarted.terminate() == 0)
    }

    @Test func refreshWithConfigCleansUpAfterAChainRemovedFromAConfiguredFolder() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let (chains, config) = try configuredFolder(scenario, holding: ["mail.pem", Self.stayingChain])
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        let staple = "\(chains)/mail.pem.ocsp"
        #expect(exists(staple))
        unlink("\(chains)/mail.pem")
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(!exists(staple), "\(second.stderr)")
        #expect(!exists(StateStore(directory: scenario.stateDirectory).statePath(for: staple)))
        #expect(second.stderr.contains("removed its staple \(staple)"), "\(second.stderr)")
    }

    /// A `staples:` entry whose output lies where a folder chain's staple would (`out/NAME.ocsp`
    /// for a folder with `output-dir: out`) is no chain of that folder: taken out of the
    /// configuration, its staple is left in place like any removed entry's, though no chain
    /// of that name is in the folder.
    @Test func aRemovedStaplesEntryWhoseOutputLiesWhereAFolderChainsWouldKeepsItsStaple() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chains = "\(scenario.folder)/crt"
        let out = "\(scenario.folder)/out"
        for folder in [chains, out] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(chains)/web.pem")
        let staple = "\(out)/mail.pem.ocsp"
        let config = "\(scenario.folder)/ocspd.yaml"
        let folderLine = "directories: [ { path: \(chains), output-dir: \(out), target: exim } ]\n"
        try
            "state-dir: \(scenario.stateDirectory)\n\(folderLine)staples: [ { chain: \(try scenario.chainFile()), output: \(staple), target: exim } ]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        #expect(exists(staple))
        try "state-dir: \(scenario.stateDirectory)\n\(folderLine)".write(toFile: config, atomically: true, encoding: .utf8)
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(exists(staple), "\(second.stderr)")
        #expect(!second.stderr.contains("removed its staple"), "\(second.stderr)")
    }

    /// A watched folder that is itself missing (a share not mounted, a folder renamed away for
    /// a moment) says nothing about its chains: their staples, written elsewhere, stay.
    @Test func aConfiguredFolderThatIsMissingLosesNoneOfItsStaples() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let out = "\(scenario.folder)/out"
        let (chains, config) = try configuredFolder(scenario, holding: ["mail.pem"], outputFolder: out)
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        let staple = "\(out)/mail.pem.ocsp"
        #expect(exists(staple))
        try FileManager.default.moveItem(atPath: chains, toPath: "\(scenario.folder)/crt.away")
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(exists(staple), "\(second.stderr)")
        #expect(!second.stderr.contains("removed its staple"), "\(second.stderr)")
    }

    /// The operator made the staple's name a link (to where a server reads it): ocspd writes
    /// through it, but did not make it, and the file it leads to may be another name's too.
    @Test func aStapleWhoseNameIsTheOperatorsLinkIsLeftWhenItsChainIsRemoved() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chains = "\(scenario.folder)/crt"
        let served = "\(scenario.folder)/served"
        for folder in [chains, served] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for name in ["mail.pem", Self.stayingChain] {
            try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(chains)/\(name)")
        }
        let staple = "\(chains)/mail.pem.ocsp"
        #expect(FileManager.default.createFile(atPath: "\(served)/mail.ocsp", contents: Data()))
        try FileManager.default.createSymbolicLink(atPath: staple, withDestinationPath: "\(served)/mail.ocsp")
        let config = "\(scenario.folder)/ocspd.yaml"
        try "state-dir: \(scenario.stateDirectory)\ndirectories: [ { path: \(chains), target: exim } ]\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let first = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(FileManager.default.contents(atPath: "\(served)/mail.ocsp")?.isEmpty == false, "\(first.stderr)")
        unlink("\(chains)/mail.pem")
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(FileManager.default.fileExists(atPath: "\(served)/mail.ocsp"), "\(second.stderr)")
        #expect(exists(staple))
        #expect(second.stderr.contains("its name is a link"), "\(second.stderr)")
    }

    /// Hosts sharing the state and staple folders each have their own chain folder at one
    /// path: a chain absent here but refreshed by another host was never here to be removed.
    @Test func anOutputAnotherHostRefreshedLastIsNotCleanedUpForAChainAbsentHere() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let (chains, config) = try configuredFolder(scenario, holding: ["mail.pem", Self.stayingChain])
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        let staple = "\(chains)/mail.pem.ocsp"
        let store = StateStore(directory: scenario.stateDirectory)
        var state = store.load(for: staple)
        #expect(state.host == StateStore.hostName)
        state.host = "another-host.example"
        try store.save(state, for: staple)
        unlink("\(chains)/mail.pem")
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(exists(staple), "\(second.stderr)")
        #expect(!second.stderr.contains("removed its staple"), "\(second.stderr)")
    }

    @Test func aChainOfAListedEntryThatDisappearsKeepsItsStaple() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chain = "\(scenario.folder)/listed.pem"
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: chain)
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                watch-interval: 1s
                staples: [ { chain: \(chain), output: \(scenario.output), target: exim } ]
                """)
        #expect(eventually(15) { scenario.stapleBytes != nil }, "\(daemon.text)")
        unlink(chain)
        // The next check (every second) fails the entry; the staple stays until the target's own rules say otherwise.
        #expect(daemon.logs(chain, within: 10))
        #expect(scenario.stapleBytes != nil)
        #expect(!daemon.text.contains("removed its staple"), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }
}

/// The daemon collects the state of outputs no longer configured at start, after a reload and daily.
@Suite struct DaemonStateCollectionTests {
    @Test func aReloadForgetsTheStateOfAnEntryNoLongerConfiguredOnceOlderThanForgetAfter() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let kept = "\(scenario.folder)/kept.ocsp"
        let config = "\(scenario.folder)/ocspd.yaml"
        let both = """
            state-dir: \(scenario.stateDirectory)
            forget-after: 1d
            staples:
              - { chain: \(try scenario.chainFile()), output: \(scenario.output), target: exim }
              - { chain: \(try scenario.chainFile()), output: \(kept), target: exim }
            """
        let daemon = try RunningDaemon(in: scenario.folder, configuration: both)
        let store = StateStore(directory: scenario.stateDirectory)
        #expect(eventually(15) { FileManager.default.fileExists(atPath: store.statePath(for: scenario.output)) }, "\(daemon.text)")
        #expect(eventually(15) { FileManager.default.fileExists(atPath: store.statePath(for: kept)) }, "\(daemon.text)")
        try StateCollectionTests.age(store, output: scenario.output, by: 2 * 86_400)
        try both.split(separator: "\n").dropLast(2).joined(separator: "\n").appending(
            "\n  - { chain: \(try scenario.chainFile()), output: \(kept), target: exim }\n"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        daemon.process.signal(SIGHUP)
        #expect(daemon.logs("forgot \(scenario.output): not configured", within: 10), "\(daemon.text)")
        #expect(!FileManager.default.fileExists(atPath: store.statePath(for: scenario.output)))
        #expect(FileManager.default.fileExists(atPath: store.statePath(for: kept)))
        #expect(scenario.stapleBytes != nil, "its staple is left in place")
        #expect(daemon.terminate() == 0)
    }
}

/// A folder left with no chain at all is what an unmounted share looks like: nothing in it is cleaned up.
extension RemovedChainDaemonTests {
    @Test func aFolderThatLosesEveryChainAtOnceKeepsEveryStapleAndSaysWhy() throws {
        let (scenario, chains, daemon) = try watchedFolder(["mail.pem"], target: "exim")
        defer { withExtendedLifetime(scenario) {} }
        for name in ["mail.pem", Self.stayingChain] { unlink("\(chains)/\(name)") }
        #expect(daemon.logs("holds no chain any more (a share not mounted?)", within: 15), "\(daemon.text)")
        Thread.sleep(forTimeInterval: GoneChains.secondLookDelay + 2)
        #expect(exists("\(chains)/mail.pem.ocsp"), "\(daemon.text)")
        #expect(exists("\(chains)/\(Self.stayingChain).ocsp"), "\(daemon.text)")
        #expect(!daemon.text.contains("removed its staple"), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func refreshWithConfigLeavesTheStaplesOfAFolderWithNoChainLeft() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let (chains, config) = try configuredFolder(scenario, holding: ["mail.pem"])
        #expect(try OCSPDBinary.run(["refresh", "--config", config]).status == 0)
        unlink("\(chains)/mail.pem")
        let second = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(exists("\(chains)/mail.pem.ocsp"), "\(second.stderr)")
        #expect(!second.stderr.contains("removed its staple"), "\(second.stderr)")
    }
}
