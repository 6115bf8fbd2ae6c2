import Foundation
import Testing

@testable import OCSPCore

/// `ocspd run` as a process against a real `openssl ocsp` issuing one-minute proofs, with the
/// schedule's constants shortened in its configuration.
@Suite struct DaemonTests {
    @Test func refreshesOnItsOwnSurvivesAnOutagePicksUpARenewalRunsHooksOnceAndStopsCleanly() throws {
        let scenario = try Scenario()
        try scenario.startResponder(minutes: 1)
        let chain = try scenario.chainFile()
        let generic = "\(scenario.folder)/generic.der"
        let exim = "\(scenario.folder)/exim.der"
        let hookLog = "\(scenario.folder)/hook.log"
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                watch-interval: 1s
                defaults:
                \(RunningDaemon.shortenedSchedule)
                  hook: [/bin/sh, -c, 'echo "$OCSPD_OUTPUT $OCSPD_STATUS" >> \(hookLog)']
                staples:
                  - chain: \(chain)
                    output: \(generic)
                    target: generic
                  - chain: \(chain)
                    output: \(exim)
                    target: exim
                    expiry-margin: 40s
                """)

        // Refreshes on its own: the first write, then at least two more (every ~9 s on 60 s proofs).
        #expect(eventually(40) { TextFile.lines(hookLog).filter { $0.hasPrefix(generic) }.count >= 3 }, "\(daemon.text)")
        // One hook run per change (the hook runs just after the outcome is logged).
        let matched = eventually(5) {
            daemon.text.components(separatedBy: "wrote \(generic)").count - 1
                == TextFile.lines(hookLog).filter { $0 == "\(generic) good" }.count
        }
        #expect(matched, "\(daemon.text)\n\(TextFile.lines(hookLog))")

        // Responder down: the generic staple stays; Exim's goes at its margin (60 s − 40 s after thisUpdate).
        scenario.stopResponders()
        let kept = try #require(FileManager.default.contents(atPath: generic))
        #expect(eventually(30) { !FileManager.default.fileExists(atPath: exim) }, "the exim staple was not removed in time\n\(daemon.text)")
        // The hook runs just after the removal: a bounded wait, not a race with its shell.
        #expect(eventually(5) { TextFile.lines(hookLog).contains("\(exim) removed") }, "\(TextFile.lines(hookLog))\n\(daemon.text)")
        #expect(FileManager.default.contents(atPath: generic) == kept)
        #expect(daemon.process.isRunning)

        // Back up, and a renewed certificate in place of the chain: no SIGHUP needed.
        try scenario.startResponder(minutes: 1)
        let renewed = try scenario.renewLeaf()
        let newChain = try scenario.pki.chainFile(for: renewed, in: scenario.folder)
        rename(newChain, chain)
        let renewedServed = eventually(20) {
            guard let bytes = FileManager.default.contents(atPath: generic),
                let response = try? OCSPResponse(derBytes: Array(bytes))
            else { return false }
            return response.basic?.responses.first?.certID.serialNumber == renewed.serial
        }
        #expect(renewedServed, "\(daemon.text)")
        #expect(eventually(20) { FileManager.default.fileExists(atPath: exim) })

        // SIGTERM: exit 0 within 5 s, no temp files.
        #expect(daemon.terminate(within: 5) == 0, "\(daemon.text)")
        #expect(scenario.temporaryFiles.isEmpty)
        #expect(daemon.text.contains("ocspd stopped"))
    }

    @Test func aRenewedChainAndANewChainInAWatchedFolderArePickedUpAtOnceNotAtTheNextCheck() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let chains = "\(scenario.folder)/chains"
        let out = "\(scenario.folder)/out"
        try FileManager.default.createDirectory(atPath: chains, withIntermediateDirectories: true)
        let chain = "\(chains)/mail.pem"
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: chain)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // An hour between periodic checks: only the folder watch can notice the changes in time.
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                watch-interval: 1h
                defaults: { target: generic }
                directories: [ { path: \(chains), output-dir: \(out) } ]
                """)
        #expect(eventually(10) { FileManager.default.fileExists(atPath: "\(out)/mail.pem.ocsp") }, "\(daemon.text)")

        let renewed = try scenario.renewLeaf()
        rename(try scenario.pki.chainFile(for: renewed, in: scenario.folder), chain)
        let renewedServed = eventually(10) {
            guard let bytes = FileManager.default.contents(atPath: "\(out)/mail.pem.ocsp"),
                let response = try? OCSPResponse(derBytes: Array(bytes))
            else { return false }
            return response.basic?.responses.first?.certID.serialNumber == renewed.serial
        }
        #expect(renewedServed, "\(daemon.text)")

        let added = try scenario.renewLeaf()
        rename(try scenario.pki.chainFile(for: added, in: scenario.folder), "\(chains)/web.pem")
        #expect(eventually(10) { FileManager.default.fileExists(atPath: "\(out)/web.pem.ocsp") }, "\(daemon.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func sighupWithABadConfigurationKeepsTheOldOne() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration:
                "state-dir: \(scenario.stateDirectory)\nstaples:\n  - chain: \(try scenario.chainFile())\n    output: \(scenario.output)\n    target: generic\n"
        )
        #expect(eventually(10) { scenario.stapleBytes != nil })
        try "staples: [oops".write(toFile: daemon.config, atomically: true, encoding: .utf8)
        daemon.process.signal(SIGHUP)
        #expect(daemon.logs("not reloaded, the previous one stays in force", within: 5), "\(daemon.text)")
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0)
    }

    @Test func shutdownAbortsATransferStuckOnAHangingResponder() throws {
        let scenario = try Scenario()
        // A responder that accepts and never answers (for 10 s).
        let hanging = try TestHTTPServer { _ in
            sleep(10)
            return .respond(status: 500, headers: [], body: [])
        }
        let daemon = try RunningDaemon(
            in: scenario.folder,
            configuration:
                "state-dir: \(scenario.stateDirectory)\nstaples:\n  - chain: \(try scenario.chainFile())\n    output: \(scenario.output)\n    responder: \(hanging.url)\n"
        )
        #expect(eventually(10) { hanging.requests.count == 1 })
        #expect(daemon.terminate(within: 5) == 0, "\(daemon.text)")
    }
}
