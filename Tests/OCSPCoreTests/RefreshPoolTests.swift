import Foundation
import Testing
@testable import OCSPCore

/// Concurrency within limits: overall, per responder, and a request rate per responder.
@Suite struct RefreshPoolTests {
    final class Gauge: @unchecked Sendable {
        private let lock = NSLock()
        private var current: [String: Int] = [:]
        private var total = 0
        private(set) var peak: [String: Int] = [:]
        private(set) var peakTotal = 0
        private(set) var starts: [String: [Date]] = [:]

        func enter(_ key: String) {
            lock.withLock {
                current[key, default: 0] += 1
                total += 1
                peak[key] = max(peak[key, default: 0], current[key, default: 0])
                peakTotal = max(peakTotal, total)
                starts[key, default: []].append(Date())
            }
        }

        func leave(_ key: String) {
            lock.withLock {
                current[key, default: 0] -= 1
                total -= 1
            }
        }
    }

    private func jobs(_ count: Int, responder: String) -> [RefreshJob] {
        (0..<count).map { RefreshJob(chainPath: "/nonexistent", outputPath: "/tmp/\(responder.hashValue)-\($0)", responderURL: responder) }
    }

    @Test func neverMoreThanTheLimitsAgainstOneResponderOrOverall() {
        let gauge = Gauge()
        let a = "http://ocsp-a.example.test", b = "http://ocsp-b.example.test:8080"
        let all = jobs(20, responder: a) + jobs(20, responder: b)
        let pool = RefreshPool(limits: ConcurrencyLimits(global: 6, perResponder: 3))
        let outcomes = pool.run(all) { job in
            let key = RefreshPool.responderKey(for: job)
            gauge.enter(key)
            usleep(20_000)
            gauge.leave(key)
            return .busy
        }
        #expect(outcomes.count == 40)
        #expect(gauge.peak["http://ocsp-a.example.test:80"] == 3)
        #expect(gauge.peak["http://ocsp-b.example.test:8080"] == 3)
        #expect(gauge.peakTotal == 6)
    }

    @Test func outcomesComeBackInTheJobsOrder() {
        let all = jobs(30, responder: "http://ocsp.example.test")
        let outcomes = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 8)).run(all) { job in
            usleep(UInt32.random(in: 0...5000))
            return job.outputPath.hasSuffix("-7") ? .busy : .failed(.assembly(job.outputPath), stapleOnDisk: nil, removed: nil)
        }
        for (job, outcome) in zip(all, outcomes) {
            if job.outputPath.hasSuffix("-7") {
                guard case .busy = outcome else { Issue.record("wrong outcome for \(job.outputPath)"); continue }
            } else {
                guard case .failed(.assembly(let path), _, _) = outcome, path == job.outputPath else {
                    Issue.record("wrong outcome for \(job.outputPath)")
                    continue
                }
            }
        }
    }

    @Test func perResponderRateSpacesRequests() {
        let gauge = Gauge()
        let responder = "http://ocsp.example.test"
        let started = Date()
        _ = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 8, perResponderRate: 20)).run(jobs(10, responder: responder)) { job in
            gauge.enter(RefreshPool.responderKey(for: job))
            gauge.leave(RefreshPool.responderKey(for: job))
            return .busy
        }
        // 10 requests at 20 per second: the last starts at least 0.45 s after the first.
        #expect(Date().timeIntervalSince(started) >= 0.44)
        let starts = gauge.starts["http://ocsp.example.test:80"] ?? []
        #expect(starts.count == 10)
    }

    @Test func configuredStaplesRefreshConcurrentlyAgainstARealResponder() throws {
        let scenario = try Scenario()
        var text = "state-dir: \(scenario.stateDirectory)\nmax-concurrent: 8\nmax-per-responder: 4\ndefaults:\n  target: generic\nstaples:\n"
        for index in 0..<12 {
            let leaf = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
            text += "  - chain: \(try scenario.pki.chainFile(for: leaf, in: scenario.folder))\n    output: \(scenario.folder)/staple-\(index).der\n"
        }
        // Started after every leaf exists: each -multi worker reads the index once.
        try scenario.startResponder(options: ["-multi", "4"])
        let config = "\(scenario.folder)/ocspd.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: scenario.folder).filter { $0.hasPrefix("staple-") }
        #expect(written.count == 12)
    }
}
