import Foundation

@testable import OCSPCore

/// Two "hosts" on one machine, each with its own configuration file and daemon, sharing one
/// state folder and one staple folder, as on NFS v4 or CephFS. Two certificates, each with
/// its own staple, behind one real `openssl ocsp` issuing one-minute proofs; each daemon
/// reaches it through a `TaggingFront` URL naming the host and the certificate
/// (`a-one`, `b-two`), so every request is counted per certificate and per sender.
final class SharedStorageFleet: @unchecked Sendable {
    static let hosts = ["a", "b"]
    static let certificates = ["one", "two"]

    let scenario: Scenario
    let front: TaggingFront
    let leaves: [String: IssuedCertificate]
    let chains: [String: String]
    let stateFolder: String
    let stapleFolder: String
    private(set) var daemons: [String: RunningDaemon] = [:]

    /// - Parameters:
    ///   - schedule: the `defaults:` lines (indented by two spaces) every host uses.
    ///   - sharedState: false gives each host a state folder of its own (the staple folder
    ///     is still shared): the wrong set-up, where each host keeps a plan of its own.
    init(schedule: String, sharedState: Bool = true) throws {
        scenario = try Scenario()
        // Issued before the responder starts: it reads the CA's index once.
        let second = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        leaves = ["one": scenario.leaf, "two": second]
        let responder = try scenario.startResponder(minutes: 1)
        front = try TaggingFront(to: responder.url)
        chains = [
            "one": try scenario.chainFile(),
            "two": try scenario.pki.chainFile(for: second, in: scenario.folder),
        ]
        stateFolder = "\(scenario.folder)/shared/state"
        stapleFolder = "\(scenario.folder)/shared/staples"
        try FileManager.default.createDirectory(atPath: stapleFolder, withIntermediateDirectories: true)
        for host in Self.hosts {
            try FileManager.default.createDirectory(atPath: folder(of: host), withIntermediateDirectories: true)
            let state = sharedState ? stateFolder : "\(folder(of: host))/state"
            try configuration(for: host, schedule: schedule, state: state).write(
                toFile: config(of: host), atomically: true, encoding: .utf8)
        }
    }

    deinit {
        for daemon in daemons.values { daemon.process.stop() }
        front.stop()
    }

    func folder(of host: String) -> String { "\(scenario.folder)/host-\(host)" }
    func config(of host: String) -> String { "\(folder(of: host))/ocspd.yaml" }
    func output(of certificate: String) -> String { "\(stapleFolder)/\(certificate).ocsp" }

    /// What a staple judged by a server would be checked against.
    func subject(of certificate: String) -> StapleSubject {
        StapleSubject(leaf: leaves[certificate]!.certificate, issuer: scenario.pki.intermediate.certificate)
    }

    private func configuration(for host: String, schedule: String, state: String) -> String {
        let entries = Self.certificates.map { certificate in
            """
              - chain: \(chains[certificate]!)
                output: \(output(of: certificate))
                responder: \(front.url(tag: "\(host)-\(certificate)"))
            """
        }
        return """
            state-dir: \(state)
            watch-interval: 2s
            defaults:
            \(schedule)
              target: generic
            staples:

            """ + entries.joined(separator: "\n") + "\n"
    }

    /// Starts (or starts again) the daemon of `host`.
    func start(_ host: String) throws {
        daemons[host] = try RunningDaemon(config: config(of: host))
    }

    /// SIGKILL to the daemon of `host`, reaped: no shutdown of its own, its lock freed by the kernel.
    func kill(_ host: String) {
        guard let daemon = daemons[host] else { return }
        daemon.process.signal(SIGKILL)
        daemon.process.wait()
    }

    func log(of host: String) -> String { "\(folder(of: host))/daemon.log" }

    /// Both daemons' logs, for a failure message.
    var logs: String {
        Self.hosts.map { "--- host \($0):\n" + TextFile.text(log(of: $0)) }.joined(separator: "\n")
    }

    /// When `host` asked about `certificate`, oldest first.
    func requests(from host: String, for certificate: String) -> [Date] {
        front.requests.filter { $0.tag == "\(host)-\(certificate)" }.map(\.at).sorted()
    }

    /// The requests the responder saw for `certificate`, from any host, oldest first.
    func requestTimes(for certificate: String) -> [Date] {
        front.times(endingWith: "-\(certificate)")
    }

    /// Each certificate's requests as "host at seconds since the first request", for the record.
    var requestSummary: String {
        let requests = front.requests
        guard let first = requests.map(\.at).min() else { return "no requests" }
        return requests.map { "\($0.tag)@\(String(format: "%.1f", $0.at.timeIntervalSince(first)))" }.joined(separator: " ")
    }

    /// `ocspd inspect --chain` on the staple of `certificate`: its JSON verdict.
    func inspect(_ certificate: String) throws -> CommandResult {
        try OCSPDBinary.run(["inspect", output(of: certificate), "--chain", chains[certificate]!, "--json"])
    }
}
