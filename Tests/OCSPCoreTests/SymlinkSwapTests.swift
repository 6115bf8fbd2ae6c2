import Foundation
import Testing
@testable import OCSPCore

/// Chain folders swapped through a symlink (certbot's `live` → `archive`, a deploy's
/// `current` → `releases/N`) are noticed by the daemon within seconds, not at the next
/// periodic check (an hour here).
@Suite struct SymlinkSwapTests {
    let scenario: Scenario

    init() throws {
        scenario = try Scenario()
    }

    private func eventually(_ seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    /// Makes `link` point at `target` in one rename, as `ln -sfn` via a temporary name or certbot does.
    private func switchLink(_ link: String, to target: String) throws {
        let temporary = link + ".new"
        guard symlink(target, temporary) == 0, rename(temporary, link) == 0 else { throw POSIXError(.EIO) }
    }

    private func folder(_ name: String, holding chain: IssuedCertificate? = nil, as file: String = "chain.pem") throws -> String {
        let path = "\(scenario.folder)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if let chain {
            rename(try scenario.pki.chainFile(for: chain, in: scenario.folder), "\(path)/\(file)")
        }
        return path
    }

    private func servedSerial(_ path: String) -> String? {
        guard let bytes = FileManager.default.contents(atPath: path), let response = try? OCSPResponse(derBytes: Array(bytes)) else { return nil }
        return response.basic?.responses.first?.certID.serialNumber
    }

    private func startDaemon(_ entries: String) throws -> DaemonTests.Daemon {
        let config = "\(scenario.folder)/ocspd.yaml"
        try "state-dir: \(scenario.stateDirectory)\nwatch-interval: 1h\ndefaults: { target: generic }\n\(entries)"
            .write(toFile: config, atomically: true, encoding: .utf8)
        return try DaemonTests.Daemon(config: config, folder: scenario.folder)
    }

    @Test func aSwitchedSymlinkedChainFolderIsNoticedWithinSeconds() throws {
        try scenario.startResponder()
        _ = try folder("archive/1", holding: scenario.leaf)
        symlink("archive/1", "\(scenario.folder)/live")
        let output = "\(scenario.folder)/mail.der"
        let daemon = try startDaemon("staples:\n  - { chain: \(scenario.folder)/live/chain.pem, output: \(output) }\n")
        #expect(eventually(10) { servedSerial(output) == scenario.leaf.serial }, "\(daemon.text)")

        let renewed = try scenario.renewLeaf()
        _ = try folder("archive/2", holding: renewed)
        try switchLink("\(scenario.folder)/live", to: "archive/2")
        #expect(eventually(10) { servedSerial(output) == renewed.serial }, "\(daemon.text)")

        // And again: the watches followed the first switch.
        let again = try scenario.renewLeaf()
        _ = try folder("archive/3", holding: again)
        try switchLink("\(scenario.folder)/live", to: "archive/3")
        #expect(eventually(10) { servedSerial(output) == again.serial }, "\(daemon.text)")
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.wait() == 0)
    }

    @Test func aSwitchedParentLinkIsNoticedWithinSeconds() throws {
        try scenario.startResponder()
        _ = try folder("data-a/live", holding: scenario.leaf)
        symlink("data-a", "\(scenario.folder)/srv")
        let output = "\(scenario.folder)/mail.der"
        let daemon = try startDaemon("staples:\n  - { chain: \(scenario.folder)/srv/live/chain.pem, output: \(output) }\n")
        #expect(eventually(10) { servedSerial(output) == scenario.leaf.serial }, "\(daemon.text)")

        let renewed = try scenario.renewLeaf()
        _ = try folder("data-b/live", holding: renewed)
        try switchLink("\(scenario.folder)/srv", to: "data-b")
        #expect(eventually(10) { servedSerial(output) == renewed.serial }, "\(daemon.text)")
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.wait() == 0)
    }

    @Test func aSwitchedWatchedFolderBringsItsNewChainsWithinSeconds() throws {
        try scenario.startResponder()
        _ = try folder("crt-1", holding: scenario.leaf, as: "site.pem")
        symlink("crt-1", "\(scenario.folder)/crt")
        let out = try folder("out")
        let daemon = try startDaemon("directories: [ { path: \(scenario.folder)/crt, output-dir: \(out) } ]\n")
        #expect(eventually(10) { servedSerial("\(out)/site.pem.ocsp") == scenario.leaf.serial }, "\(daemon.text)")

        let added = try scenario.renewLeaf()
        let next = try folder("crt-2", holding: added, as: "web.pem")
        try FileManager.default.copyItem(atPath: "\(scenario.folder)/crt-1/site.pem", toPath: "\(next)/site.pem")
        try switchLink("\(scenario.folder)/crt", to: "crt-2")
        #expect(eventually(10) { servedSerial("\(out)/web.pem.ocsp") == added.serial }, "\(daemon.text)")
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.wait() == 0)
    }

    @Test func watchTargetsAreTheResolvedFolderAndEveryFolderHoldingALinkOnTheWay() throws {
        let base = try folder("targets")
        let real = try #require(OutputIdentity.of(base).path)
        func keys(_ paths: String...) -> Set<PathKey> { Set(paths.map(PathKey.init)) }
        _ = try folder("targets/archive/x")
        symlink("archive/x", "\(base)/live")
        symlink("\(base)", "\(base)/self")
        #expect(WatchTargets.resolve("\(real)/live") == keys("\(real)", "\(real)/archive/x"))
        #expect(WatchTargets.resolve("\(real)/self/live") == keys("\(real)", "\(real)/archive/x"))
        #expect(WatchTargets.resolve("\(real)/archive/x") == keys("\(real)/archive/x"))
        #expect(WatchTargets.resolve("\(real)/archive/../archive/x/") == keys("\(real)/archive/x"))
        // Not there yet: the nearest folder it would appear in.
        #expect(WatchTargets.resolve("\(real)/later/x") == keys("\(real)"))
        symlink("loop", "\(base)/loop")
        #expect(WatchTargets.resolve("\(real)/loop/x") == keys("\(real)"))
    }
}
