import Foundation
import Synchronization

/// Intermediates and delegated responder certificates recur across thousands of staples:
/// one issuer signs them all, one responder certificate signs every proof. Decoding such a
/// certificate (OpenSSL 3 decodes its key through the provider machinery) and checking its
/// signature are the same work each time, so both are remembered per process, keyed by the
/// exact DER bytes. Leaf certificates are never kept: each is seen once.
enum SharedCertificates {
    /// Enough for every issuer and responder of a large installation; the table starts over when full.
    static let capacity = 256

    private static let decoded = Mutex<[DERKey: Certificate]>([:])
    private static let signatures = Mutex<[SignedPair: Bool]>([:])

    private struct SignedPair: Hashable {
        let subject: DERKey
        let issuer: DERKey
    }

    /// The certificate for `derBytes`, decoded once.
    static func certificate(derBytes: [UInt8]) -> Certificate? {
        let key = DERKey(derBytes)
        if let known = decoded.withLock({ $0[key] }) { return known }
        guard let certificate = Certificate(derBytes: derBytes) else { return nil }
        decoded.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = certificate
        }
        return certificate
    }

    /// `subject.isSigned(by: issuer)`, checked once per pair.
    static func isSigned(_ subject: Certificate, by issuer: Certificate) -> Bool {
        let pair = SignedPair(subject: DERKey(subject.derBytes), issuer: DERKey(issuer.derBytes))
        if let known = signatures.withLock({ $0[pair] }) { return known }
        let signed = subject.isSigned(by: issuer)
        signatures.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[pair] = signed
        }
        return signed
    }
}
