import Foundation
import Testing

@testable import OCSPCore

/// `ocspd run` delivers `on-failure` events at the end of its rounds: `failing` once while its
/// responder stays down, across many rounds, and `recovered` once it answers again.
@Suite struct OnFailureDaemonTests {
    @Test func theDaemonRunsFailingOnceWhileTheResponderIsDownAndRecoveredWhenItAnswers() throws {
        let scenario = try Scenario()
        let log = "\(scenario.folder)/on-failure.log"
        let output = "\(scenario.folder)/staple.der"
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                defaults:
                \(RunningDaemon.shortenedSchedule)
                  failure-threshold: 2
                  on-failure: [/bin/sh, -c, 'echo "$OCSPD_EVENT $OCSPD_REASON $OCSPD_EVENT_STAPLES" >> \(log)']
                staples:
                  - chain: \(try scenario.chainFile())
                    output: \(output)
                    target: nginx
                """)
        func runs() -> [String] { TextFile.text(log).split(separator: "\n").map(String.init) }
        func failures() -> Int { daemon.text.components(separatedBy: "refresh of \(output)").count - 1 }

        #expect(eventually(60) { runs().count == 1 }, "no failing\n\(daemon.text)")
        #expect(eventually(60) { failures() >= 5 }, "the daemon stopped retrying\n\(daemon.text)")
        #expect(runs() == ["failing consecutive-failures 1"], "\(runs())")

        try scenario.startResponder(minutes: 60)
        #expect(eventually(60) { runs().count == 2 }, "no recovered\n\(daemon.text)")
        #expect(runs().last == "recovered consecutive-failures 1")
        #expect(daemon.terminate() == 0)
    }
}
