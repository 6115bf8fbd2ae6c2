import Foundation
import Testing

@testable import OCSPCore

/// `ocspd run` against a real `openssl ocsp` issuing one-minute proofs behind a counting
/// proxy: outputs of one chain stay on the schedule of the earliest of them, one request a round.
@Suite struct SharedFetchDaemonTests {
    private static func writes(of output: String, in log: String) -> Int {
        log.components(separatedBy: "wrote \(output) for").count - 1
    }

    @Test func aDueOutputTakesItsSiblingsAlongAlsoFromAnotherChainFileOneRequestEachRound() throws {
        let scenario = try Scenario()
        let responder = try scenario.startResponder(minutes: 1)
        let proxy = try TestHTTPServer.proxy(to: responder.url)
        defer { proxy.stop() }
        let chain = try scenario.chainFile()
        // nginx reads the same certificate from a file of its own (as HAProxy reads a bundle).
        let nginxChain = "\(scenario.folder)/nginx-fullchain.pem"
        try FileManager.default.copyItem(atPath: chain, toPath: nginxChain)
        let (generic, nginx, exim) = ("\(scenario.folder)/generic.der", "\(scenario.folder)/nginx.der", "\(scenario.folder)/exim.der")
        // The generic output is due every 9 s; left to themselves nginx and Exim would be every 36 s.
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                defaults:
                \(RunningDaemon.shortenedSchedule)
                  responder: \(proxy.url)
                staples:
                  - chain: \(chain)
                    output: \(generic)
                    target: generic
                  - chain: \(nginxChain)
                    output: \(nginx)
                    target: nginx
                    refresh-at: 60%
                  - chain: \(chain)
                    output: \(exim)
                    target: exim
                    expiry-margin: 20s
                    refresh-at: 60%
                """)
        let outputs = [generic, nginx, exim]
        #expect(eventually(45) { outputs.allSatisfy { Self.writes(of: $0, in: daemon.text) >= 4 } }, "\(daemon.text)")
        #expect(daemon.terminate() == 0, "\(daemon.text)")
        let log = daemon.text
        let rounds = Self.writes(of: generic, in: log)
        // Every proof the generic output got, nginx and Exim got too, from the same request
        // (a round cut short by the shutdown may have written only the due output).
        #expect((rounds - 1...rounds).contains(Self.writes(of: nginx, in: log)), "\(log)")
        #expect((rounds - 1...rounds).contains(Self.writes(of: exim, in: log)), "\(log)")
        #expect((rounds...rounds + 1).contains(proxy.requests.count), "\(log)")
    }
}
