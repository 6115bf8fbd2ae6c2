import Foundation

/// Why a proof is not acceptable. Every case says what is wrong and where to look.
public enum VerificationFailure: Error, Equatable, CustomStringConvertible {
    case unsuccessful(ResponseStatus)
    case signerNotFound(ResponderID)
    case badSignature(signer: String, detail: String)
    case signerIsServerCertificate(String)
    case signerNotIssuedByIssuer(signer: String, issuer: String)
    case signerLacksOCSPSigning(String)
    case signerNotYetValid(signer: String, notBefore: Date)
    case signerExpired(signer: String, notAfter: Date)
    case noResponseForCertificate(serial: String, issuer: String, present: [String])
    case nonceMismatch
    case thisUpdateInFuture(Date)
    case nextUpdateNotAfterThisUpdate(thisUpdate: Date, nextUpdate: Date)
    case expired(Date)
    case leafExpired(Date)
    case statusUnknown

    public var description: String {
        switch self {
        case .unsuccessful(let status):
            return "the responder answered \(status) instead of a proof"
        case .signerNotFound(let id):
            return "the proof names its signer as \(id), but neither the response, the issuer nor --responder-cert holds that certificate"
        case .badSignature(let signer, let detail):
            return "the proof's signature does not verify with the key of \(signer) (\(detail))"
        case .signerIsServerCertificate(let signer):
            return "the proof is signed by the server's own certificate \(signer), which is never an OCSP signer"
        case .signerNotIssuedByIssuer(let signer, let issuer):
            return
                "the proof's signer \(signer) was not issued by the certificate's issuer \(issuer), so it may not sign for it (RFC 6960 §4.2.2.2)"
        case .signerLacksOCSPSigning(let signer):
            return "the proof's delegated signer \(signer) lacks the id-kp-OCSPSigning extended key usage"
        case .signerNotYetValid(let signer, let notBefore):
            return "the proof's signer \(signer) is not valid until \(RFC3339.string(notBefore)); check this machine's clock"
        case .signerExpired(let signer, let notAfter):
            return "the proof's signer \(signer) expired at \(RFC3339.string(notAfter))"
        case .noResponseForCertificate(let serial, let issuer, let present):
            let list = present.isEmpty ? "none" : present.joined(separator: ", ")
            return "the proof holds no answer for serial \(serial) issued by \(issuer) (it answers for: \(list))"
        case .nonceMismatch:
            return "the proof echoes a different nonce than the one sent: a replayed or misdirected answer"
        case .thisUpdateInFuture(let date):
            return
                "the proof's thisUpdate \(RFC3339.string(date)) is more than 5 minutes ahead; check this machine's clock or the responder's"
        case .nextUpdateNotAfterThisUpdate(let thisUpdate, let nextUpdate):
            return "the proof's nextUpdate \(RFC3339.string(nextUpdate)) is not after its thisUpdate \(RFC3339.string(thisUpdate))"
        case .expired(let date):
            return "the proof expired at \(RFC3339.string(date))"
        case .leafExpired(let date):
            return "the server certificate itself expired at \(RFC3339.string(date)); renew it, no staple can help"
        case .statusUnknown:
            return "the responder does not know this certificate (status unknown); check that the issuer and responder belong to it"
        }
    }
}
