import Foundation
import Testing

@testable import OCSPCore

/// A staple written in a round is on disk before it is renamed into place; the rename is made
/// durable by the round: its folder synced once at the round's end, before any hook runs, and
/// at once outside a round.
@Suite struct RoundDurabilityTests {
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("round-durability")
        try FileSystemFixtures.folder("\(folder)/a")
        try FileSystemFixtures.folder("\(folder)/b")
    }

    @Test func stapleFoldersWrittenInARoundWaitForTheRoundOnceEach() throws {
        let round = RoundLookups()
        let waiting = try round.whileCurrent { () throws -> Int in
            for name in ["a/1.der", "a/2.der", "b/1.der"] { try StapleWriter.write([1], to: "\(folder)/\(name)") }
            return RoundLookups.current?.takeUnsyncedFolders().count ?? -1
        }
        #expect(waiting == 2)
        #expect(FileSystemFixtures.contents("\(folder)/a/2.der") == [1])
    }

    @Test func theRoundsEndAndAHookLeaveNothingWaiting() throws {
        let round = RoundLookups()
        try round.whileCurrent {
            try StapleWriter.write([1], to: "\(folder)/a/1.der")
            RoundLookups.current?.syncWrittenFolders()
            #expect(RoundLookups.current?.takeUnsyncedFolders().isEmpty == true)
            try StapleWriter.write([2], to: "\(folder)/b/1.der")
        }
        round.syncWrittenFolders()
        #expect(round.whileCurrent { RoundLookups.current?.takeUnsyncedFolders().isEmpty } == true)
    }

    @Test func aRoundWritingIntoManyFoldersKeepsFewOpen() throws {
        let round = RoundLookups()
        let count = ThreadLookups.unsyncedCapacity * 2 + 3
        for index in 0..<count { try FileSystemFixtures.folder("\(folder)/many-\(index)") }
        let waiting = try round.whileCurrent { () throws -> Int in
            for index in 0..<count { try StapleWriter.write([1], to: "\(folder)/many-\(index)/s.der") }
            return RoundLookups.current?.takeUnsyncedFolders().count ?? -1
        }
        #expect(waiting <= ThreadLookups.unsyncedCapacity)
    }

    @Test func outsideARoundNothingWaits() throws {
        #expect(RoundLookups.current == nil)
        try StapleWriter.write([3], to: "\(folder)/a/alone.der")
        #expect(FileSystemFixtures.contents("\(folder)/a/alone.der") == [3])
    }
}
