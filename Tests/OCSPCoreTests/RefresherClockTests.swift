import Foundation
import Logging
import Synchronization
import Testing

@testable import OCSPCore

/// The refresher's clocks and random source are injected: one refresh reads the wall clock
/// once in each step, and its jitter comes from the source it is given.
@Suite struct RefresherClockTests {
    /// A wall clock that counts how often it is read.
    final class CountingClock: Sendable {
        let moment: Date
        private let reads = Mutex(0)
        init(_ moment: Date) { self.moment = moment }
        var read: @Sendable () -> Date {
            {
                self.reads.withLock { $0 += 1 }
                return self.moment
            }
        }
        var count: Int { reads.withLock { $0 } }
    }

    static func refresher(_ stateDirectory: String, now: @escaping @Sendable () -> Date, random: RandomSource = .system) -> Refresher {
        Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: stateDirectory), now: now,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), random: random)
    }

    @Test func aRefreshThatFetchesReadsTheWallClockOnceInEachStep() throws {
        let server = try TestHTTPServer { _ in .respond(status: 503, headers: [], body: []) }
        defer { server.stop() }
        let scenario = try Scenario(leafOCSPURLs: [server.url])
        let clock = CountingClock(Date())
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .nginx))
        let outcome = Self.refresher(scenario.stateDirectory, now: clock.read).refresh(job)
        #expect(outcome.exitCode == ExitStatus.noValidStaple)
        #expect(clock.count == 2)
    }

    @Test func theRetryAfterAFailureIsDrawnFromTheInjectedRandomSource() throws {
        let server = try TestHTTPServer { _ in .respond(status: 503, headers: [], body: []) }
        defer { server.stop() }
        let scenario = try Scenario(leafOCSPURLs: [server.url])
        let moment = Date()
        let job = RefreshJob(chainPath: try scenario.chainFile(), outputPath: scenario.output, policy: TargetPolicy(target: .nginx))
        let refreshed = Self.refresher(scenario.stateDirectory, now: { moment }, random: RandomSource { 0 }).complete(
            try #require(Self.pending(Self.refresher(scenario.stateDirectory, now: { moment }).prepare(job))))
        // The lowest draw of the first backoff window: exactly backoff-min after now.
        #expect(refreshed.nextAttempt == moment.addingTimeInterval(Timing().backoffMinimum))
    }

    static func pending(_ step: RefreshStep) -> PendingRefresh? {
        if case .needsLock(let pending) = step { return pending }
        return nil
    }
}
