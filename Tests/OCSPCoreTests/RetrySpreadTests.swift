import Foundation
import Logging
import Testing

@testable import OCSPCore

/// Staples behind one failing responder come back spread out, each on its own jitter.
@Suite struct RetrySpreadTests {
    @Test func twentyStaplesBehindA503WithRetryAfterGetDistinctNextAttemptsSpreadOverAWindow() throws {
        let server = try TestHTTPServer { _ in .respond(status: 503, headers: [("Retry-After", "120")], body: []) }
        defer { server.stop() }
        let scenarios = try (0..<20).map { _ in try Scenario(leafOCSPURLs: [server.url]) }
        let stateDirectory = try TestPKI.scratchFolder("spread-state")
        defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
        let jobs = try scenarios.map { scenario -> RefreshJob in
            var job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .nginx))
            job.followsSchedule = true
            return job
        }
        let store = StateStore(directory: stateDirectory)
        let started = Date()
        let refresher = Refresher(
            transport: CurlTransport(), stateStore: store,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let outcomes = RefreshPool(limits: ConcurrencyLimits(global: 4, perResponder: 2)).run(jobs, refresher: refresher) { _, refreshed in
            refreshed.outcome.exitCode
        }
        #expect(outcomes.allSatisfy { $0 == ExitStatus.noValidStaple })
        let attempts = jobs.compactMap { store.load(for: $0.outputPath).nextAttempt?.timeIntervalSince(started) }
        #expect(attempts.count == 20)
        #expect(attempts.allSatisfy { $0 >= 59 }, "\(attempts.sorted())")
        #expect(Set(attempts.map { Int($0) }).count >= 12, "retries bunch up: \(attempts.sorted())")
        #expect((attempts.max() ?? 0) - (attempts.min() ?? 0) >= 30, "spread over \(attempts.sorted())")
    }
}
