import Foundation
@testable import OCSPCore

/// A real `openssl ocsp` responder on a free loopback port, stopped by PID when the test
/// ends (also when it fails: `deinit`).
final class OpenSSLResponder: @unchecked Sendable {
    let port: UInt16
    let process: ChildProcess
    let logPath: String

    var url: String { "http://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - minutes: validity (`-nmin`); nil gives proofs without nextUpdate.
    ///   - options: extra flags (`-resp_no_certs`, `-resp_key_id`, ...).
    init(pki: TestPKI, ca: IssuedCertificate? = nil, signer: IssuedCertificate, port: UInt16 = FreePort.pick(),
         minutes: Int? = 60, options: [String] = []) throws {
        let ca = ca ?? pki.intermediate
        self.port = port
        logPath = "\(pki.directory)/responder-\(port)-\(UUID().uuidString.prefix(6)).log"
        var arguments = ["openssl", "ocsp", "-index", pki.index(of: ca), "-port", String(port), "-CA", ca.certificatePath,
                         "-rsigner", signer.certificatePath, "-rkey", signer.keyPath, "-ignore_err"]
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

    deinit {
        stop()
    }
}

struct ResponderDidNotStart: Error, CustomStringConvertible {
    let port: UInt16
    let log: String
    var description: String { "openssl ocsp did not listen on port \(port): \(log)" }
}
