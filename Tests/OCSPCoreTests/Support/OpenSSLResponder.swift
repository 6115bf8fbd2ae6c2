import Foundation

@testable import OCSPCore

/// A real `openssl ocsp` responder on a free loopback port, stopped by PID when the test
/// ends (also when it fails: `deinit`).
final class OpenSSLResponder: @unchecked Sendable {
    let port: UInt16
    let process: ChildProcess
    let logPath: String
    /// The responder reads its own copy of the CA's index, refreshed by `sync()`: other tests
    /// issue certificates from the same CA all the time.
    let indexPath: String
    private let pki: TestPKI
    private let ca: IssuedCertificate

    var url: String { "http://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - minutes: validity (`-nmin`); nil gives proofs without nextUpdate.
    ///   - options: extra flags (`-resp_no_certs`, `-resp_key_id`, ...).
    init(
        pki: TestPKI, ca: IssuedCertificate? = nil, signer: IssuedCertificate, port: UInt16 = FreePort.pick(),
        minutes: Int? = 60, options: [String] = []
    ) throws {
        let ca = ca ?? pki.intermediate
        self.port = port
        self.pki = pki
        self.ca = ca
        let name = "\(pki.directory)/responder-\(port)-\(UUID().uuidString.prefix(6))"
        logPath = name + ".log"
        indexPath = name + ".index.txt"
        try pki.snapshotIndex(of: ca, to: indexPath)
        var arguments = [
            "openssl", "ocsp", "-index", indexPath, "-port", String(port), "-CA", ca.certificatePath,
            "-rsigner", signer.certificatePath, "-rkey", signer.keyPath, "-ignore_err",
        ]
        if let minutes { arguments += ["-nmin", String(minutes)] }
        process = try ChildProcess(arguments + options, stdout: logPath, stderr: logPath)
        // Never probe by connecting: `openssl ocsp` spins forever after a connection that sends nothing.
        let deadline = Date().addingTimeInterval(10)
        while !FreePort.isListening(port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw ResponderDidNotStart(port: port, log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
            }
            usleep(20_000)
        }
    }

    func stop() {
        process.stop()
    }

    /// Makes the responder answer from the CA's current index. `openssl ocsp` notices a
    /// changed index only when it next waits for a connection, so the first request after a
    /// change is still answered from the old one: one throwaway request (`probe`) follows.
    func sync(probe leaf: IssuedCertificate) throws {
        try pki.snapshotIndex(of: ca, to: indexPath)
        _ = try? Command.run(
            "openssl",
            [
                "ocsp", "-issuer", ca.certificatePath, "-cert", leaf.certificatePath,
                "-url", url, "-noverify", "-no_nonce", "-timeout", "5",
            ])
    }

    deinit {
        stop()
    }
}

struct ResponderDidNotStart: Error, CustomStringConvertible {
    let port: UInt16
    let log: String
    var description: String { "openssl ocsp did not listen on port \(port): \(log)" }
}
