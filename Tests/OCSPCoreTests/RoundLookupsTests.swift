import Foundation
import Testing

@testable import OCSPCore

/// A round of refreshes resolves each folder once (`RoundLookups`): every answer is the
/// one a walk from `/` gives, only the walk to the folder is remembered, and the last name is
/// looked at anew each time. It asks each device's file system once: a kernel file is
/// refused on every read of the round, a data file read every time.
@Suite final class RoundLookupsTests {
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("resolutions")
        try FileSystemFixtures.folder("\(folder)/out")
        try FileSystemFixtures.folder("\(folder)/real")
        try FileSystemFixtures.file("\(folder)/out/staple.der", [1, 2, 3])
        try FileSystemFixtures.file("\(folder)/real/staple.der", [4, 5])
        try FileSystemFixtures.link("\(folder)/linked", to: "real")
        try FileSystemFixtures.link("\(folder)/out/alias.der", to: "staple.der")
        try FileSystemFixtures.link("\(folder)/out/dangling.der", to: "gone.der")
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// What a test compares of a resolution: everything but the descriptors.
    private struct Seen: Equatable {
        let folder: String
        let folderInode: ino_t
        let name: String
        let inode: ino_t?
        let path: String
        let link: String?
        let danglingLink: String?

        init(_ result: Result<ResolvedPath, PathError>) throws {
            let resolved = try result.get()
            folder = resolved.folder.path
            folderInode = resolved.folder.status.st_ino
            name = resolved.name
            inode = resolved.entry?.st_ino
            path = resolved.path
            link = resolved.link
            danglingLink = resolved.danglingLink
        }
    }

    @Test(arguments: [
        "out/staple.der", "out/missing.der", "linked/staple.der", "out/alias.der", "out/dangling.der", "real/../out/staple.der",
        "out/./staple.der", "linked/../out/staple.der",
    ])
    func aRoundResolvesEveryPathAsAWalkFromTheRootDoes(relative: String) throws {
        let path = "\(folder)/\(relative)"
        let walked = try Seen(PathResolver.resolve(path))
        let lookups = RoundLookups()
        let first = try lookups.whileCurrent { try Seen(PathResolver.resolve(path)) }
        let remembered = try lookups.whileCurrent { try Seen(PathResolver.resolve(path)) }
        #expect(first == walked)
        #expect(remembered == walked)
    }

    @Test func theLastNameIsLookedAtAnewEachTime() throws {
        let path = "\(folder)/out/later.der"
        let lookups = RoundLookups()
        let before = try lookups.whileCurrent { try PathResolver.resolve(path).get() }
        #expect(before.entry == nil)
        try FileSystemFixtures.file(path, [9])
        let after = try lookups.whileCurrent { try PathResolver.resolve(path).get() }
        #expect(after.kind == .regularFile)
    }

    /// A folder renamed away during the round is still the folder checked and used until the
    /// round ends: everything the round does there happens in one folder. The next round
    /// (new resolutions) walks again and finds the new one.
    @Test func aFolderIsWalkedOncePerRound() throws {
        let path = "\(folder)/out/staple.der"
        let lookups = RoundLookups()
        let original = try lookups.whileCurrent { try PathResolver.resolve(path).get() }.folder.status.st_ino
        #expect(rename("\(folder)/out", "\(folder)/out-old") == 0)
        try FileSystemFixtures.folder("\(folder)/out")
        let sameRound = try lookups.whileCurrent { try PathResolver.resolve(path).get() }.folder.status.st_ino
        let nextRound = try RoundLookups().whileCurrent { try PathResolver.resolve(path).get() }.folder.status.st_ino
        #expect(sameRound == original)
        #expect(nextRound != original)
    }

    @Test func moreFoldersThanItKeepsStillResolveRightly() throws {
        let count = ThreadLookups.capacity + 4
        for index in 0..<count {
            try FileSystemFixtures.folder("\(folder)/f\(index)")
            try FileSystemFixtures.file("\(folder)/f\(index)/staple.der", [UInt8(index)])
        }
        let lookups = RoundLookups()
        for _ in 0..<2 {
            for index in 0..<count {
                let path = "\(folder)/f\(index)/staple.der"
                let resolved = try lookups.whileCurrent { try Seen(PathResolver.resolve(path)) }
                #expect(resolved == (try Seen(PathResolver.resolve(path))))
            }
        }
    }

    /// A link in a folder anyone may write is refused on every resolution of the round, the
    /// remembered ones too: the folder's check travels with what is remembered.
    @Test func aLinkInAFolderOthersCanWriteIsRefusedEveryTime() throws {
        try FileSystemFixtures.folder("\(folder)/open", mode: 0o777)
        try FileSystemFixtures.link("\(folder)/open/planted", to: "../real")
        let path = "\(folder)/open/planted/staple.der"
        let lookups = RoundLookups()
        for _ in 0..<2 {
            let result = lookups.whileCurrent { PathResolver.resolve(path) }
            guard case .failure(.untrustedLink) = result else {
                Issue.record("expected an untrusted link, got \(result)")
                return
            }
        }
    }

    /// Reads of a round open a file from its folder's descriptor, opened the second time a
    /// file there is read: every answer is the one a read by the whole path gives.
    @Test(arguments: [
        "out/staple.der", "out/alias.der", "out/dangling.der", "out/missing.der", "linked/staple.der", "real/../out/staple.der",
        "out/.", "out/..", "out",
    ])
    func aRoundReadsEveryFileAsAReadByItsWholePathDoes(relative: String) {
        let path = "\(folder)/\(relative)"
        let whole = FileBytes.read(path, maximum: 65536)
        let lookups = RoundLookups()
        for _ in 0..<3 {
            #expect(lookups.whileCurrent { FileBytes.read(path, maximum: 65536) } == whole)
        }
    }

    @Test(arguments: ["out/staple.der", "out/alias.der", "out/dangling.der", "out/missing.der", "linked/staple.der", "out/staple.der/x"])
    func aRoundLooksAtEveryNameAsALookByItsWholePathDoes(relative: String) {
        let path = "\(folder)/\(relative)"
        func look(_ call: (inout stat) -> Int32) -> (Int32, ino_t?, Int32?) {
            var status = stat()
            let result = call(&status)
            return (result, result == 0 ? status.st_ino : nil, result == 0 ? nil : errno)
        }
        let whole = look { fstatat(AT_FDCWD, path, &$0, AT_SYMLINK_NOFOLLOW) }
        let lookups = RoundLookups()
        for _ in 0..<3 {
            let seen = lookups.whileCurrent {
                look { status in
                    RoundLookups.current?.status(of: path, &status, flags: AT_SYMLINK_NOFOLLOW)
                        ?? fstatat(AT_FDCWD, path, &status, AT_SYMLINK_NOFOLLOW)
                }
            }
            #expect(seen == whole)
        }
    }

    @Test func aRoundReadsTheFileNowAtANameInAFolderItOpened() throws {
        let path = "\(folder)/out/staple.der"
        let lookups = RoundLookups()
        for _ in 0..<2 { _ = lookups.whileCurrent { FileBytes.read(path, maximum: 65536) } }
        try FileSystemFixtures.file("\(folder)/out/new.der", [7])
        #expect(rename("\(folder)/out/new.der", path) == 0)
        #expect(lookups.whileCurrent { FileBytes.read(path, maximum: 65536) } == .success([7]))
    }

    @Test func aKernelFileIsRefusedOnEveryReadOfARound() {
        let lookups = RoundLookups()
        for _ in 0..<2 {
            let read = lookups.whileCurrent { FileBytes.read("/proc/self/status", maximum: 65536) }
            #expect(read == .failure(.kernelFile(fileSystem: "proc")))
        }
    }

    @Test func aDataFileIsReadOnEveryReadOfARound() {
        let lookups = RoundLookups()
        for _ in 0..<2 {
            let read = lookups.whileCurrent { FileBytes.read("\(folder)/out/staple.der", maximum: 65536) }
            #expect(read == .success([1, 2, 3]))
        }
    }

    /// A daemon starts a round after another: what a round opened goes with it.
    @Test func aRoundsLookupsGoWhenTheRoundEnds() {
        weak var ended: RoundLookups?
        weak var threadPart: ThreadLookups?
        do {
            let lookups = RoundLookups()
            ended = lookups
            lookups.whileCurrent {
                threadPart = RoundLookups.current
                for _ in 0..<2 { _ = FileBytes.read("\(folder)/out/staple.der", maximum: 65536) }
            }
        }
        #expect(ended == nil)
        #expect(threadPart == nil)
    }

    @Test func lookupsAreCurrentOnlyWhileTheirBodyRuns() {
        let lookups = RoundLookups()
        #expect(RoundLookups.current == nil)
        lookups.whileCurrent { #expect(RoundLookups.current?.round === lookups) }
        #expect(RoundLookups.current == nil)
    }

    /// Each thread keeps its own lookups (no lock between threads), and finds them again when
    /// it comes back within the round.
    @Test func eachThreadOfARoundKeepsItsOwnLookups() async {
        let lookups = RoundLookups()
        let first = lookups.whileCurrent { RoundLookups.current.map(ObjectIdentifier.init) }
        let again = lookups.whileCurrent { RoundLookups.current.map(ObjectIdentifier.init) }
        let other = await Task.detached {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: lookups.whileCurrent { RoundLookups.current.map(ObjectIdentifier.init) }) }.start()
            }
        }.value
        #expect(first != nil)
        #expect(first == again)
        #expect(other != first)
    }

    /// The kernel splits a path at every `/` byte; a `/` followed by a combining mark is one
    /// Character to Swift, and must still separate two names.
    @Test func componentsSplitAtEverySlashByte() {
        #expect(PathResolver.components("/a/\u{301}b//c/") == ["a", "\u{301}b", "c"])
    }
}
