import Foundation
import Testing

@testable import OCSPCore

/// A failed write of one of ocspd's own files names that file, never "the staple".
@Suite struct AtomicFileWriterTests {
    typealias FS = FileSystemFixtures
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("atomic")
    }

    @Test func aStateFileThatCannotBeReplacedIsNamedAsTheStateFile() throws {
        let store = StateStore(directory: "\(folder)/state")
        let output = "\(folder)/mail.der"
        try store.prepare(forOutput: output)
        try FS.fifo(store.statePath(for: output))
        let error = #expect(throws: AtomicWriteError.self) { try store.save(StapleState(outputPath: output), for: output) }
        #expect(error?.file == .stateFile)
        let message = error?.description ?? ""
        #expect(message.contains("not the state file") && !message.contains("staple"), "\(message)")
    }

    @Test func aMetricsFileInAMissingFolderIsNamedAsTheMetricsFile() throws {
        let path = "\(folder)/missing/ocspd.prom"
        let error = #expect(throws: AtomicWriteError.self) { try MetricsFile.write(rows: [], to: path) }
        #expect(error?.file == .metricsFile)
        #expect(error?.description.contains("the metrics file") == true, "\(error?.description ?? "")")
    }

    @Test func aMetricsPathThatIsAFolderSaysWhichOptionNamesIt() throws {
        try FS.folder("\(folder)/metrics.prom")
        let error = #expect(throws: AtomicWriteError.self) { try MetricsFile.write(rows: [], to: "\(folder)/metrics.prom") }
        #expect(error?.description.contains("--metrics-file") == true, "\(error?.description ?? "")")
    }

    @Test func aStapleErrorReadsAsItAlwaysHas() throws {
        try FS.folder("\(folder)/looks-like-a-file.der")
        let path = "\(folder)/looks-like-a-file.der"
        let error = #expect(throws: AtomicWriteError.self) { try AtomicFileWriter.write([1], as: .staple, to: path) }
        #expect(error?.description == StapleWriteError.outputIsDirectory(path: path).description)
    }
}
