import Foundation
import Testing

@testable import OCSPCore

/// Several hosts sharing one state folder and one staple folder (NFS v4, CephFS), played by
/// two `ocspd run` on one machine against a real `openssl ocsp` issuing one-minute proofs.
/// The staple's lock beside it and the plan in its state decide who fetches: the responder
/// sees one request per certificate per round, whatever each daemon's jitter drew.
@Suite(.serialized) struct SharedStorageFleetTests {
    /// Refreshes 9 to 15 s after each proof's thisUpdate (20% ± 5% of 60 s): a round is at
    /// least 9 s long, and a second daemon fetching at a plan of its own would ask within
    /// 6 s (the jitter's whole width) of the first.
    static let schedule = """
          refresh-at: 20%
          jitter: 5%
          min-interval: 1s
          deadline-min: 5s
          backoff-min: 1s
          backoff-max: 2s
        """

    /// Less than a round: two requests for one certificate this close were two fetches of one round.
    static let shortestRound: TimeInterval = 7

    @Test func twoDaemonsSharingTheFoldersAskTheResponderOncePerCertificatePerRound() throws {
        let fleet = try SharedStorageFleet(schedule: Self.schedule)
        // Started together: at first both find no staple at all and race for each lock.
        for host in SharedStorageFleet.hosts { try fleet.start(host) }

        let rounds = eventually(90) {
            SharedStorageFleet.certificates.allSatisfy { fleet.requestTimes(for: $0).count >= 4 }
        }
        #expect(rounds, "\(fleet.front.requests.map(\.tag))\n\(fleet.logs)")
        print("shared state: \(fleet.requestSummary)")
        for certificate in SharedStorageFleet.certificates {
            let gaps = Self.gaps(fleet.requestTimes(for: certificate))
            #expect(gaps.allSatisfy { $0 >= Self.shortestRound }, "\(certificate): gaps \(gaps)\n\(fleet.logs)")
            let inspected = try fleet.inspect(certificate)
            #expect(inspected.status == 0, "\(inspected.stdoutText)\(inspected.stderr)")
        }
        // The daemon that did not fetch a round took the other's plan from the shared state.
        #expect(fleet.logs.contains("fresh"), "\(fleet.logs)")
    }

    /// A daemon that finds a staple another host wrote does not draw a plan of its own: the
    /// shared state's record vouches for the staple and its stored plan is the next refresh.
    @Test func aDaemonFindingAnotherHostsStapleWaitsForThatHostsPlan() throws {
        let fleet = try SharedStorageFleet(schedule: Self.schedule)
        try fleet.start("a")
        let store = StateStore(directory: fleet.stateFolder)
        let planned = eventually(20) {
            SharedStorageFleet.certificates.allSatisfy { store.load(for: fleet.output(of: $0)).nextAttempt != nil }
        }
        try #require(planned, "\(fleet.logs)")
        #expect(fleet.daemons["a"]?.terminate() == 0)
        let plans = SharedStorageFleet.certificates.map { store.load(for: fleet.output(of: $0)).nextAttempt ?? .distantPast }

        try fleet.start("b")
        for (certificate, plan) in zip(SharedStorageFleet.certificates, plans) {
            let line = "\(fleet.output(of: certificate)) for "
            let followed = eventually(10) {
                TextFile.lines(fleet.log(of: "b")).contains {
                    $0.contains(line) && $0.contains("is fresh, nothing fetched") && $0.contains("next refresh \(RFC3339.string(plan))")
                }
            }
            #expect(followed, "\(certificate): plan \(RFC3339.string(plan))\n\(fleet.logs)")
            // At that plan it is b's round to fetch, a being gone; not a moment before.
            #expect(eventually(30) { fleet.requests(from: "b", for: certificate).count >= 1 }, "\(fleet.logs)")
            let first = fleet.requests(from: "b", for: certificate).first ?? .distantPast
            #expect(first >= plan.addingTimeInterval(-0.5), "\(certificate): asked at \(first), planned \(plan)")
        }
    }

    /// Either daemon killed with SIGKILL every 0 to 2 s and started again, for 40 s, while a
    /// reader (a server) opens both staples every few milliseconds: it never finds one
    /// missing, partial or invalid, and the staples keep being refreshed through the kills.
    @Test func everyStapleStaysValidWhileEitherDaemonIsKilledAtRandom() throws {
        let fleet = try SharedStorageFleet(schedule: Self.schedule)
        for host in SharedStorageFleet.hosts { try fleet.start(host) }
        let written = eventually(20) {
            SharedStorageFleet.certificates.allSatisfy { FileManager.default.fileExists(atPath: fleet.output(of: $0)) }
        }
        try #require(written, "\(fleet.logs)")
        let readers = SharedStorageFleet.certificates.map { StapleReader(path: fleet.output(of: $0), subject: fleet.subject(of: $0)) }
        for reader in readers { Thread { reader.run() }.start() }
        defer { for reader in readers { reader.stop() } }

        let started = Date()
        var kills = 0
        while Date().timeIntervalSince(started) < 40 {
            usleep(UInt32.random(in: 0...2_000_000))
            let host = SharedStorageFleet.hosts.randomElement() ?? "a"
            fleet.kill(host)
            kills += 1
            usleep(UInt32.random(in: 0...300_000))
            try fleet.start(host)
        }
        for reader in readers { reader.stop() }
        print("killed \(kills) times; \(fleet.requestSummary)")
        // What a killed writer left, the next one removes under the lock (within a round).
        let cleaned = eventually(30) {
            [fleet.stapleFolder, fleet.stateFolder].allSatisfy { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).allSatisfy {
                    !$0.contains(StapleWriter.temporaryMarker)
                }
            }
        }
        #expect(cleaned, "\(fleet.logs)")
        for (certificate, reader) in zip(SharedStorageFleet.certificates, readers) {
            #expect(reader.bad.isEmpty, "\(certificate): \(reader.bad.prefix(5))\n\(fleet.logs)")
            #expect(reader.reads > 1000)
            let inspected = try fleet.inspect(certificate)
            #expect(inspected.status == 0, "\(inspected.stdoutText)\(inspected.stderr)")
            // Refreshed through the kills: the proof in place is from the last rounds.
            let bytes = try #require(FileManager.default.contents(atPath: fleet.output(of: certificate)))
            let thisUpdate = try OCSPResponse(derBytes: Array(bytes)).basic?.responses.first?.thisUpdate
            #expect(thisUpdate.map { $0 > started.addingTimeInterval(20) } == true, "\(String(describing: thisUpdate))\n\(fleet.logs)")
        }
    }

    /// The control that shows the count above can see a second fetch: with a state folder of
    /// its own, each host keeps to the plan it drew itself, and finding the other's newer
    /// proof in the shared staple folder does not stop it asking again at its own due time.
    @Test func hostsWithStateFoldersOfTheirOwnAskTwicePerRound() throws {
        let fleet = try SharedStorageFleet(schedule: Self.schedule, sharedState: false)
        for host in SharedStorageFleet.hosts { try fleet.start(host) }
        let rounds = eventually(90) {
            SharedStorageFleet.certificates.allSatisfy { fleet.requestTimes(for: $0).count >= 6 }
        }
        #expect(rounds, "\(fleet.front.requests.map(\.tag))\n\(fleet.logs)")
        print("separate state: \(fleet.requestSummary)")
        let gaps = SharedStorageFleet.certificates.flatMap { Self.gaps(fleet.requestTimes(for: $0)) }
        #expect(gaps.contains { $0 < Self.shortestRound }, "gaps \(gaps)")
    }

    private static func gaps(_ times: [Date]) -> [TimeInterval] {
        zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
    }
}
