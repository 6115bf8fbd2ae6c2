import Foundation
import Testing

@testable import OCSPCore

/// Only regular files are replaced or removed: a device node, FIFO, socket or folder at an
/// output is refused with a message saying what it is, and left exactly as it is.
@Suite(.enabled(if: FileSystemFixtures.runsRootTests, FileSystemFixtures.needsRoot))
struct SpecialFileTests {
    typealias FS = FileSystemFixtures
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("special")
    }

    enum Planted: String, CaseIterable {
        case characterDevice, fifo, socket, folder

        func make(at path: String) throws {
            switch self {
            case .characterDevice: try FS.characterDevice(path)
            case .fifo: try FS.fifo(path)
            case .socket: try FS.socketNode(path)
            case .folder: try FS.folder(path)
            }
        }

        var kind: FileKind {
            switch self {
            case .characterDevice: return .characterDevice
            case .fifo: return .fifo
            case .socket: return .socket
            case .folder: return .folder
            }
        }
    }

    @Test(arguments: Planted.allCases)
    func writingOverASpecialFileIsRefusedAndLeavesIt(_ planted: Planted) throws {
        let path = "\(folder)/\(planted.rawValue).der"
        try planted.make(at: path)
        let error = #expect(throws: StapleWriteError.self) { try StapleWriter.write([1], to: path, temporary: .lockHeld) }
        #expect(
            error?.description.contains(planted == .folder ? "directory" : planted.kind.description) == true, "\(String(describing: error))"
        )
        #expect(FS.kind(path) == planted.kind)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["\(planted.rawValue).der"])
    }

    @Test(arguments: Planted.allCases)
    func removingASpecialFileIsRefusedAndLeavesIt(_ planted: Planted) throws {
        let path = "\(folder)/\(planted.rawValue).der"
        try planted.make(at: path)
        let error = #expect(throws: StapleWriteError.self) { try StapleWriter.remove(path) }
        #expect(error?.description.contains(planted.kind.description) == true, "\(String(describing: error))")
        #expect(FS.kind(path) == planted.kind)
    }

    @Test func aCharacterDeviceAsEximOutputIsLeftAsItIsByARefresh() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        try FS.characterDevice(scenario.output)
        let result = try scenario.runRefresh(["--target", "exim"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("is a character device"), "\(result.stderr)")
        #expect(FS.kind(scenario.output) == .characterDevice)
    }

    @Test func aFIFOAsOutputNeverHangsARefreshAndStays() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        try FS.fifo(scenario.output)
        let result = try scenario.runRefresh()
        #expect(result.status == 2)
        #expect(result.stderr.contains("FIFO"), "\(result.stderr)")
        #expect(FS.kind(scenario.output) == .fifo)
    }

    @Test func aFIFOAsTheMetricsFileIsRefused() throws {
        let path = "\(folder)/metrics.prom"
        try FS.fifo(path)
        #expect(throws: StapleWriteError.notRegularFile(path: path, kind: .fifo)) { try StapleWriter.write(Array("x 1\n".utf8), to: path) }
        #expect(FS.kind(path) == .fifo)
    }

    @Test func aFIFOAtTheStateFileIsNeitherReadNorReplaced() throws {
        let store = StateStore(directory: "\(folder)/state")
        let output = "\(folder)/mail.der"
        try store.prepare(forOutput: output)
        try FS.fifo(store.statePath(for: output))
        #expect(store.load(for: output).lastSuccess == nil)
        #expect(throws: AtomicWriteError.self) { try store.save(StapleState(outputPath: output), for: output) }
        #expect(FS.kind(store.statePath(for: output)) == .fifo)
    }

    @Test func aRemovedStapleIsNeverQuotedInTheLog() throws {
        // An Exim staple that is not OCSP at all is removed; the message says so without its bytes.
        let scenario = try Scenario()
        try FS.file(scenario.output, Array("root:x:0:0:root:/root:/bin/bash\n".utf8))
        let result = try scenario.runRefresh(["--target", "exim"])
        #expect(!result.stderr.contains("root:x"), "\(result.stderr)")
        #expect(result.stderr.contains("not an OCSP response"), "\(result.stderr)")
    }
}
