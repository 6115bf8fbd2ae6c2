import Foundation
import Testing

@testable import OCSPCore

/// `TLSProbe.KeyType` (`ocspd probe --key-type`) against `openssl s_server` holding an RSA and
/// an ECDSA certificate (`-cert`/`-dcert`): the probe gets the certificate of the key type it
/// offers, TLS 1.2 and 1.3, and a server without one fails the handshake. No root needed.
@Suite struct ProbeKeyTypeTests {
    /// `openssl s_server` with both certificates, no staple.
    private final class DualServer: @unchecked Sendable {
        let process: ChildProcess
        let port = FreePort.pick()

        init(rsa: IssuedCertificate?, ecdsa: IssuedCertificate, folder: String) throws {
            var arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-www", "-quiet"]
            arguments += ["-cert", ecdsa.certificatePath, "-key", ecdsa.keyPath]
            if let rsa { arguments += ["-dcert", rsa.certificatePath, "-dkey", rsa.keyPath] }
            let log = "\(folder)/s_server-\(port).log"
            process = try ChildProcess(arguments, stdout: log, stderr: log)
            let deadline = Date().addingTimeInterval(10)
            while !FreePort.isListening(port) {
                guard Date() < deadline, process.isRunning else {
                    throw ResponderDidNotStart(port: port, log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
                }
                usleep(20_000)
            }
        }

        deinit { process.stop() }

        func probe(_ keyType: TLSProbe.KeyType?, _ version: TLSProbe.ProtocolVersion) -> Result<TLSProbe.Observation, ProbeError> {
            TLSProbe(host: "127.0.0.1", port: port, version: version, keyType: keyType).run()
        }
    }

    @Test(arguments: [TLSProbe.ProtocolVersion.tls12, .tls13])
    func eachKeyTypeGetsItsOwnCertificate(version: TLSProbe.ProtocolVersion) throws {
        let scenario = try Scenario()
        let rsa = try scenario.pki.issueLeaf(ocspURLs: [scenario.url], keyAlgorithm: .rsa2048)
        let server = try DualServer(rsa: rsa, ecdsa: scenario.leaf, folder: scenario.folder)
        #expect(try server.probe(.rsa, version).get().presentedChain.first == rsa.certificate)
        #expect(try server.probe(.ecdsa, version).get().presentedChain.first == scenario.leaf.certificate)
    }

    @Test func aServerWithoutThatKeyTypeFailsTheHandshake() throws {
        let scenario = try Scenario()
        let server = try DualServer(rsa: nil, ecdsa: scenario.leaf, folder: scenario.folder)
        #expect(throws: ProbeError.self) { try server.probe(.rsa, .any).get() }
        #expect(try server.probe(.ecdsa, .any).get().presentedChain.first == scenario.leaf.certificate)
    }
}
