import Foundation

@testable import OCSPCore

/// One host with two certificates, as Exim's `tls_certificate = rsa.pem : ecdsa.pem` serves
/// them: an RSA leaf and an ECDSA leaf from the test PKI (both answered by the scenario's
/// responder), and ocspd's configuration with one `staples:` entry (target exim) for each.
final class DualCertificateSetup: @unchecked Sendable {
    let scenario: Scenario
    let rsa: IssuedCertificate
    let rsaChain: String
    let ecdsaChain: String
    let rsaStaple: String
    let ecdsaStaple: String
    let configuration: String

    var ecdsa: IssuedCertificate { scenario.leaf }

    /// The certificates in the order Exim's lists hold them: RSA first, then ECDSA.
    var certificates: [(chain: String, key: String)] {
        [(rsaChain, rsa.keyPath), (ecdsaChain, ecdsa.keyPath)]
    }

    init() throws {
        scenario = try Scenario()
        rsa = try scenario.pki.issueLeaf(
            commonName: "rsa-\(UUID().uuidString.prefix(8)).example.test", ocspURLs: [scenario.url], keyAlgorithm: .rsa2048)
        try scenario.startResponder()
        rsaChain = try scenario.pki.chainFile(for: rsa, in: scenario.folder)
        ecdsaChain = try scenario.chainFile()
        let staples = "\(scenario.folder)/ocsp"
        try FileManager.default.createDirectory(atPath: staples, withIntermediateDirectories: true)
        rsaStaple = "\(staples)/mail-rsa.der"
        ecdsaStaple = "\(staples)/mail-ecdsa.der"
        configuration = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - chain: \(rsaChain)
            output: \(rsaStaple)
            target: exim
          - chain: \(ecdsaChain)
            output: \(ecdsaStaple)
            target: exim
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    /// `ocspd refresh --config`: both staples, as cron or the daemon would write them.
    func refresh(_ extra: [String] = []) throws -> CommandResult {
        try OCSPDBinary.run(["refresh", "--config", configuration] + extra)
    }

    func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    /// The form that keeps STARTTLS working for both key types whichever staple is missing:
    /// the second file is named only when it exists, and the list only when the first exists
    /// (Exim refuses STARTTLS when an element other than the last expands empty).
    var gatedOCSPFile: String {
        "${if exists{\(rsaStaple)}{\(rsaStaple)${if exists{\(ecdsaStaple)}{ : \(ecdsaStaple)}}}}"
    }

    /// The form that staples every staple that exists: the certificate whose staple exists goes
    /// first, so a missing one is always at the end of the list. Three expansions read the
    /// folder one after another (a staple appearing or vanishing in between mismatches the lists
    /// for that one connection).
    var reorderedLists: (certificates: String, keys: String, ocspFile: String) {
        let (rsaFirst, ecdsaFirst) = ("\(rsaChain) : \(ecdsaChain)", "\(ecdsaChain) : \(rsaChain)")
        let (rsaKeyFirst, ecdsaKeyFirst) = ("\(rsa.keyPath) : \(ecdsa.keyPath)", "\(ecdsa.keyPath) : \(rsa.keyPath)")
        return (
            "${if exists{\(rsaStaple)}{\(rsaFirst)}{\(ecdsaFirst)}}",
            "${if exists{\(rsaStaple)}{\(rsaKeyFirst)}{\(ecdsaKeyFirst)}}",
            "${if exists{\(rsaStaple)}{\(rsaStaple)${if exists{\(ecdsaStaple)}{ : \(ecdsaStaple)}}}{${if exists{\(ecdsaStaple)}{\(ecdsaStaple)}}}}"
        )
    }

    /// The tempting form, `${if exists}` around each element: breaks when the first is missing.
    var perElementOCSPFile: String {
        "${if exists{\(rsaStaple)}{\(rsaStaple)}} : ${if exists{\(ecdsaStaple)}{\(ecdsaStaple)}}"
    }
}

extension EximServer {
    /// One STARTTLS handshake asking for certificate status and offering only `keyType`'s
    /// signature algorithms, so Exim presents that certificate.
    func handshake(offering keyType: TLSProbe.KeyType, _ version: TLSProbe.ProtocolVersion = .any) throws -> TLSProbe.Observation {
        try TLSProbe(
            host: "127.0.0.1", port: port, startTLS: .smtp, serverName: "mail.example.test", version: version, keyType: keyType
        ).run().get()
    }
}

extension TLSProbe.KeyType {
    /// An Exim client's `tls_require_ciphers` (GnuTLS priority) offering only this key type's
    /// signature algorithms, TLS 1.2 and 1.3 (measured with Debian's Exim 4.96 and GnuTLS
    /// 3.7.9: `+SIGN-ECDSA-SHA256` alone fails TLS 1.3 with "illegal parameter", the SECP256R1
    /// name alone leaves TLS 1.2 without priorities).
    var eximPriority: String {
        switch self {
        case .rsa: return "NORMAL:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-SHA256"
        case .ecdsa: return "NORMAL:-SIGN-ALL:+SIGN-ECDSA-SECP256R1-SHA256:+SIGN-ECDSA-SHA256"
        }
    }

    /// What the Exim client logs in `X=` for a TLS 1.3 delivery authenticated by this key type.
    var eximCipherSignature: String {
        switch self {
        case .rsa: return "__RSA_PSS_RSAE_SHA256__"
        case .ecdsa: return "__ECDSA_SECP256R1_SHA256__"
        }
    }
}
