import Foundation
import Testing

@testable import OCSPCore

/// Exit 2 means exactly "no valid staple is in place": a state folder that cannot be used
/// stops the refresh (exit 1 with a valid staple on disk), but never hides the staple.
@Suite struct StateFolderFailureTests {
    enum Fault: String, CaseIterable, Sendable {
        case readOnly = "a read-only state folder"
        case full = "a full state folder (no space, no inodes)"
        case plantedLockSymlink = "a symlink planted at the lock"
    }

    /// Makes the state folder at `path` unusable in the way of `fault`; the returned mount (if any) must stay alive.
    static func breakStateFolder(_ path: String, output: String, fault: Fault) throws -> SmallTmpfs? {
        switch fault {
        case .readOnly:
            let mount = try SmallTmpfs(at: path)
            try Command.run("/bin/mount", ["-o", "remount,ro", path])
            return mount
        case .full:
            let mount = try SmallTmpfs(at: path, size: "64k,nr_inodes=8")
            mount.fill()
            // Inodes too: creating the lock file fails as well.
            var index = 0
            while index < 64, FileManager.default.createFile(atPath: "\(path)/inode-\(index)", contents: nil) { index += 1 }
            return mount
        case .plantedLockSymlink:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: StateStore(directory: path).lockPath(for: output), withDestinationPath: "/etc/hostname")
            return nil
        }
    }

    /// The lock lives beside the output, so a read-only or full state folder no longer stops
    /// the refresh: the staple in place is judged (fresh here), exit 0, and the state that
    /// could not be saved is named.
    @Test(arguments: [Fault.readOnly, .full])
    func aValidStapleOnDiskStaysExit0WhenTheStateCannotBeSaved(fault: Fault) throws {
        guard SmallTmpfs.available else { return }
        let scenario = try Scenario()
        try scenario.startResponder()
        try scenario.place(scenario.fetchWithOpenSSL())
        let before = scenario.stapleBytes
        let mount = try Self.breakStateFolder(scenario.stateDirectory, output: scenario.output, fault: fault)
        let result = try scenario.runRefresh(["--target", "nginx"])
        withExtendedLifetime(mount) {}
        #expect(result.status == 0, "\(fault.rawValue): \(result.stderr)")
        #expect(
            result.stderr.contains(scenario.stateDirectory),
            "\(fault.rawValue): the warning does not name the state folder: \(result.stderr)")
        #expect(scenario.stapleBytes == before)
    }

    /// A lock that cannot be taken stops the refresh, but exit 1 says the staple in place is valid.
    @Test func aValidStapleOnDiskIsReportedWhenTheLockIsAPlantedSymlink() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        try scenario.place(scenario.fetchWithOpenSSL())
        let before = scenario.stapleBytes
        _ = try Self.breakStateFolder(scenario.stateDirectory, output: scenario.output, fault: .plantedLockSymlink)
        let result = try scenario.runRefresh(["--target", "nginx"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(StateStore(directory: scenario.stateDirectory).lockPath(for: scenario.output)), "\(result.stderr)")
        #expect(result.stderr.contains("stays valid until"), "\(result.stderr)")
        #expect(scenario.stapleBytes == before)
    }

    @Test(arguments: Fault.allCases)
    func noStapleOnDiskIsStillExit2WhenTheStateFolderFails(fault: Fault) throws {
        if fault != .plantedLockSymlink, !SmallTmpfs.available { return }
        let scenario = try Scenario()
        try scenario.startResponder()
        let mount = try Self.breakStateFolder(scenario.stateDirectory, output: scenario.output, fault: fault)
        let result = try scenario.runRefresh(["--target", "nginx"])
        withExtendedLifetime(mount) {}
        // A full or read-only folder may still let the refresh run (the state save then only warns).
        #expect(
            result.status == 2 || (fault != .plantedLockSymlink && result.status == 0),
            "\(fault.rawValue): \(result.status) \(result.stderr)")
    }
}
