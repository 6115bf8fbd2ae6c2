import Foundation
import Testing

@testable import OCSPCore

/// ocspd killed with SIGKILL at random points, over and over, while a reader opens and
/// parses the staple in a tight loop: the reader never sees a partial or invalid file.
@Suite struct CrashSafetyTests {
    final class Reader: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private(set) var reads = 0
        private(set) var bad: [String] = []

        func run(path: String, subject: StapleSubject) {
            while lock.withLock({ running }) {
                let outcome: String?
                if let data = FileManager.default.contents(atPath: path) {
                    switch StapleOnDisk.judge(Array(data), for: subject, at: Date()) {
                    case .valid: outcome = nil
                    default: outcome = "invalid file of \(data.count) bytes"
                    }
                } else {
                    outcome = "file missing"
                }
                lock.withLock {
                    reads += 1
                    if let outcome { bad.append(outcome) }
                }
            }
        }

        func stop() { lock.withLock { running = false } }
    }

    @Test func thousandKilledRefreshesNeverExposeAPartialStaple() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder()
        // Runs killed between connecting and sending would leave `openssl ocsp` spinning and
        // deaf; the test's own front takes those connections and forwards only whole requests.
        let front = try TestHTTPServer.proxy(to: responder.url)
        defer { front.stop() }
        let chain = try scenario.chainFile()
        #expect(try scenario.runRefresh(["--target", "generic"], chain: chain).status == 0)
        let reader = Reader()
        let subject = scenario.subject
        let output = scenario.output
        let thread = Thread { reader.run(path: output, subject: subject) }
        thread.start()
        defer { reader.stop() }

        var killedMidRun = 0
        for round in 0..<1000 {
            let log = "\(scenario.folder)/kill.log"
            let child = try ChildProcess(
                [
                    OCSPDBinary.path, "refresh", "--target", "generic", "--force", "--chain", chain,
                    "--output", output, "--state-dir", scenario.stateDirectory, "--responder", front.url,
                ],
                stdout: log, stderr: log)
            usleep(UInt32.random(in: 0...(round % 10 == 0 ? 60_000 : 25_000)))
            if child.isRunning { killedMidRun += 1 }
            // Through the owner: once `isRunning` has reaped the child its pid may already be
            // another test's process (an Exim, a responder), which a raw kill would hit.
            child.signal(SIGKILL)
            child.wait()
        }
        reader.stop()
        usleep(50_000)
        #expect(reader.bad.isEmpty, "\(reader.bad.prefix(5))")
        #expect(reader.reads > 1000)
        #expect(killedMidRun > 500)

        // The next run, holding the lock, cleans whatever the killed ones left.
        #expect(try scenario.runRefresh(["--target", "generic", "--force", "--responder", front.url], chain: chain).status == 0)
        #expect(scenario.temporaryFiles.isEmpty)
        let stateLeftovers = try FileManager.default.contentsOfDirectory(atPath: scenario.stateDirectory).filter {
            $0.contains(StapleWriter.temporaryMarker)
        }
        #expect(stateLeftovers.isEmpty)
    }
}
