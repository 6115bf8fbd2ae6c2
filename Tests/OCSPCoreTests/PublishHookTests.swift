import Foundation
import Testing

@testable import OCSPCore

/// `examples/ocspd-publish-rsync`, the hook of the "one fetcher, many servers" shape, run for
/// real: rsync (installed by scripts/test.sh) copying to local destination folders, started
/// by `ocspd refresh --config` as its hook, with the hook's own fixed environment.
@Suite struct PublishHookTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/ocspd-publish-rsync").path

    /// The PATH ocspd gives every hook (`HookSearchPath`), for running the example by hand.
    static let hookPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// A scenario with the example installed as root would install it, two destination
    /// folders (the "servers") and a configuration whose one staple uses it as its hook.
    struct Publisher {
        let scenario: Scenario
        let output: String
        let destinations: [String]
        let config: String

        /// - Parameters:
        ///   - options: the example's options, before the destinations (`--fsync`).
        ///   - extra: destinations after the two folders.
        init(target: String = "exim", options: [String] = [], destinations extra: [String] = []) throws {
            scenario = try Scenario()
            try scenario.startResponder()
            let hook = "\(scenario.folder)/sbin/ocspd-publish-rsync"
            try FileManager.default.createDirectory(atPath: "\(scenario.folder)/sbin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: PublishHookTests.example, toPath: hook)
            chmod(hook, 0o755)
            output = "\(scenario.folder)/staples/mail.der"
            try FileManager.default.createDirectory(atPath: "\(scenario.folder)/staples", withIntermediateDirectories: true)
            let folder = scenario.folder
            let servers = ["mx2", "mx3"].map { "\(folder)/\($0)/ocsp" }
            destinations = servers
            for destination in servers {
                try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            }
            let arguments = ([hook] + options + servers.map { $0 + "/" } + extra).map { "'\($0)'" }.joined(separator: ", ")
            config = "\(scenario.folder)/ocspd.yaml"
            try """
            state-dir: \(scenario.stateDirectory)
            staples:
              - chain: \(try scenario.chainFile())
                output: \(output)
                target: \(target)
                hook: [\(arguments)]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        /// `ocspd refresh --config` with a PATH that holds nothing: whatever the hook finds, it
        /// finds on the PATH ocspd gives it.
        func refresh(_ extra: [String] = []) throws -> CommandResult {
            try OCSPDBinary.run(["refresh", "--config", config, "--verbose"] + extra, environment: ["PATH": "/nonexistent"])
        }

        func published(at destination: String) -> Data? {
            FileManager.default.contents(atPath: "\(destination)/mail.der")
        }

        /// Anything left in a destination besides the staple (rsync's temporary files).
        func leftovers(at destination: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? []).filter { $0 != "mail.der" }
        }
    }

    @Test func eachNewStapleArrivesByteForByteAtEveryDestinationWithNothingLeftBeside() throws {
        let publisher = try Publisher(options: ["--fsync"])
        let result = try publisher.refresh()
        #expect(result.status == 0, "\(result.stderr)")
        let local = try #require(FileManager.default.contents(atPath: publisher.output))
        for destination in publisher.destinations {
            #expect(publisher.published(at: destination) == local, "\(destination)\n\(result.stderr)")
            #expect(publisher.leftovers(at: destination).isEmpty)
        }
        #expect(result.stderr.contains("hook for \(publisher.output) succeeded"), "\(result.stderr)")

        // A newer proof replaces the published one.
        sleep(1)
        let again = try publisher.refresh(["--force"])
        #expect(again.status == 0, "\(again.stderr)")
        let newer = try #require(FileManager.default.contents(atPath: publisher.output))
        #expect(newer != local)
        for destination in publisher.destinations {
            #expect(publisher.published(at: destination) == newer, "\(destination)\n\(again.stderr)")
        }
    }

    @Test func aStapleOcspdRemovedIsRemovedAtEveryDestination() throws {
        let publisher = try Publisher(target: "exim")
        #expect(try publisher.refresh().status == 0)
        #expect(publisher.destinations.allSatisfy { publisher.published(at: $0) != nil })

        // Revoked: Exim's good staple goes, here and on every server.
        try publisher.scenario.revokeLeaf()
        let result = try publisher.refresh(["--force"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: publisher.output))
        for destination in publisher.destinations {
            #expect(publisher.published(at: destination) == nil, "\(destination)\n\(result.stderr)")
        }
        #expect(result.stderr.contains("hook for \(publisher.output) succeeded"), "\(result.stderr)")
    }

    @Test func aDestinationThatIsDownFailsTheHookWhileTheStapleStaysAndTheOthersGetIt() throws {
        // An rsync daemon that is not there: a closed port on this host.
        let down = "rsync://127.0.0.1:\(FreePort.pick())/ocsp/"
        let publisher = try Publisher(target: "generic", destinations: [down])
        let result = try publisher.refresh()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("the hook for \(publisher.output) exited 1"), "\(result.stderr)")
        let local = try #require(FileManager.default.contents(atPath: publisher.output))
        for destination in publisher.destinations {
            #expect(publisher.published(at: destination) == local)
        }
    }

    /// The far side as inotify saw it while the example replaced a staple there (a 1 MiB
    /// file, so rsync writes in many pieces): the final name was never created, written nor
    /// closed after writing (rsync only reads the old file, as the base of its delta); it only ever changed by a rename onto it (`IN_MOVED_TO`) of the file rsync
    /// wrote under its temporary name in `.~tmp~`; nothing is left beside it.
    @Test func theFinalNameOnlyEverChangesByARenameOfAWholeFile() throws {
        let folder = try TestPKI.scratchFolder("publish")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = "\(folder)/site.pem.ocsp"
        let destination = "\(folder)/far"
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Data(repeating: 0x30, count: 1 << 19).write(to: URL(fileURLWithPath: "\(destination)/site.pem.ocsp"))
        let new = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try new.write(to: URL(fileURLWithPath: source))

        let events = try FolderEvents(watching: destination)
        let result = try Command.run(
            "/usr/bin/env",
            ["-i", "PATH=\(Self.hookPath)", "OCSPD_OUTPUT=\(source)", "OCSPD_STATUS=good", Self.example, destination + "/"])
        #expect(result.status == 0, "\(result.stderr)")
        let seen = events.drain()
        let onFinalName = seen.filter { $0.name == "site.pem.ocsp" }
        #expect(onFinalName.map(\.mask) == [UInt32(IN_MOVED_TO)], "\(seen)")
        #expect(seen.contains { $0.name == ".~tmp~" && $0.is(IN_CREATE) }, "\(seen)")
        #expect(FileManager.default.contents(atPath: "\(destination)/site.pem.ocsp") == new)
        #expect(try FileManager.default.contentsOfDirectory(atPath: destination) == ["site.pem.ocsp"])
    }
}
