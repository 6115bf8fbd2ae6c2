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
        guard let bytes = FileManager.default.contents(atPath: path), let response = try? OCSPResponse(derBytes: Array(bytes)) else {
            return nil
        }
        return response.basic?.responses.first?.certID.serialNumber
    }

    /// Starts the responder, then a daemon that checks only hourly on its own, on `entries`.
    private func startDaemon(_ entries: String) throws -> RunningDaemon {
        try scenario.startResponder()
        return try RunningDaemon(
            in: scenario.folder,
            configuration:
                "state-dir: \(scenario.stateDirectory)\nwatch-interval: 1h\ndefaults: { target: generic }\n\(entries)")
    }

    /// A daemon serving the one chain at `chain` (reached through a link) to `output`.
    private func startDaemon(servingChainAt chain: String) throws -> RunningDaemon {
        try startDaemon("staples:\n  - { chain: \(scenario.folder)/\(chain), output: \(output) }\n")
    }

    private var output: String { "\(scenario.folder)/mail.der" }

    /// A renewed leaf's chain put in the new folder `folder`, then `link` switched to `target`.
    private func renew(into folder: String, switching link: String, to target: String) throws -> IssuedCertificate {
        let renewed = try scenario.renewLeaf()
        _ = try self.folder(folder, holding: renewed)
        try switchLink("\(scenario.folder)/\(link)", to: target)
        return renewed
    }

    /// Whether the staple at `path` answers for `certificate` within seconds.
    private func serves(_ certificate: IssuedCertificate, at path: String? = nil) -> Bool {
        eventually(10) { servedSerial(path ?? output) == certificate.serial }
    }

    @Test func aSwitchedSymlinkedChainFolderIsNoticedWithinSeconds() throws {
        _ = try folder("archive/1", holding: scenario.leaf)
        symlink("archive/1", "\(scenario.folder)/live")
        let daemon = try startDaemon(servingChainAt: "live/chain.pem")
        #expect(serves(scenario.leaf), "\(daemon.text)")

        let renewed = try renew(into: "archive/2", switching: "live", to: "archive/2")
        #expect(serves(renewed), "\(daemon.text)")
        // And again: the watches followed the first switch.
        let again = try renew(into: "archive/3", switching: "live", to: "archive/3")
        #expect(serves(again), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aSwitchedParentLinkIsNoticedWithinSeconds() throws {
        _ = try folder("data-a/live", holding: scenario.leaf)
        symlink("data-a", "\(scenario.folder)/srv")
        let daemon = try startDaemon(servingChainAt: "srv/live/chain.pem")
        #expect(serves(scenario.leaf), "\(daemon.text)")

        let renewed = try renew(into: "data-b/live", switching: "srv", to: "data-b")
        #expect(serves(renewed), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aSwitchedWatchedFolderBringsItsNewChainsWithinSeconds() throws {
        _ = try folder("crt-1", holding: scenario.leaf, as: "site.pem")
        symlink("crt-1", "\(scenario.folder)/crt")
        let out = try folder("out")
        let daemon = try startDaemon("directories: [ { path: \(scenario.folder)/crt, output-dir: \(out) } ]\n")
        #expect(serves(scenario.leaf, at: "\(out)/site.pem.ocsp"), "\(daemon.text)")

        let added = try scenario.renewLeaf()
        let next = try folder("crt-2", holding: added, as: "web.pem")
        try FileManager.default.copyItem(atPath: "\(scenario.folder)/crt-1/site.pem", toPath: "\(next)/site.pem")
        try switchLink("\(scenario.folder)/crt", to: "crt-2")
        #expect(serves(added, at: "\(out)/web.pem.ocsp"), "\(daemon.text)")
        #expect(daemon.terminate() == 0)
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
