import Foundation
import Logging
import Testing

@testable import OCSPCore

/// What a fresh staple logs at each level: nothing under --quiet unless it is running out.
@Suite struct OutcomeReportLevelTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400

    /// A good 7-day proof whose thisUpdate was `age` ago.
    static func proof(age: TimeInterval) -> StapleFacts {
        StapleFacts(
            status: .good, thisUpdate: t0.addingTimeInterval(-age), nextUpdate: t0.addingTimeInterval(7 * day - age),
            effectiveExpiry: t0.addingTimeInterval(7 * day - age), expiryLimit: .nextUpdate, singleIndex: 0,
            singleResponseCount: 1, certIDHashAlgorithm: "sha1")
    }

    private func reported(_ staple: StapleFacts, level: Logger.Level) -> String {
        let log = CapturedLog()
        var logger = log.logger
        logger.logLevel = level
        let refresher = Refresher(
            transport: CurlTransport(), stateStore: StateStore(directory: "/nonexistent"), now: { Self.t0 }, logger: logger)
        let job = RefreshJob(chainPath: "/etc/ssl/mail.pem", outputPath: "/var/lib/ocspd/mail.der")
        _ = refresher.report(.unchanged(staple, reason: .fresh), job: job, leaf: nil, nextAttempt: nil, at: Self.t0)
        return log.text
    }

    @Test func aFreshStapleLogsNothingUnderQuiet() {
        #expect(reported(Self.proof(age: Self.day), level: .warning).isEmpty)
    }

    @Test func aFreshStapleLogsItsLineAtInfo() {
        #expect(reported(Self.proof(age: Self.day), level: .info).contains("is fresh, nothing fetched"))
    }

    @Test func aStapleRunningOutStillWarnsUnderQuiet() {
        let text = reported(Self.proof(age: 6 * Self.day), level: .warning)
        #expect(text.contains("of the proof's validity is left"), "\(text)")
    }
}
