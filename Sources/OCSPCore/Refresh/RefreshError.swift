/// Why a refresh produced no new proof. Each description names the file or URL at fault.
public enum RefreshError: Error, Equatable, CustomStringConvertible {
    case chain(ChainError)
    case issuer(IssuerError)
    case responderCertificate(path: String, reason: String)
    case leafExpired(certificate: String, notAfter: String)
    case request(OCSPRequestError)
    case allRespondersFailed([ResponderFailure])
    case assembly(String)
    case write(StapleWriteError)
    case state(StateError)
    case backingOff(until: String, failures: Int)

    public var description: String {
        switch self {
        case .chain(let error): return error.description
        case .issuer(let error): return error.description
        case .responderCertificate(let path, let reason): return "cannot use --responder-cert \(path): \(reason)"
        case .leafExpired(let certificate, let notAfter):
            return "the certificate \(certificate) expired at \(notAfter); renew it, no staple can help"
        case .request(let error): return error.description
        case .allRespondersFailed(let failures):
            if failures.count == 1, let only = failures.first { return "no usable OCSP response: \(only)" }
            let asked = failures.filter { !$0.isSkipped }
            let summary = ResponderFailure.skippedSummary(failures).map { "; \($0)" } ?? ""
            return "no usable OCSP response from any responder: " + asked.map(\.description).joined(separator: "; ") + summary
        case .assembly(let detail): return detail
        case .write(let error): return error.description
        case .state(let error): return error.description
        case .backingOff(let until, let failures):
            return
                "\(failures) failed attempt\(failures == 1 ? "" : "s") in a row; backing off until \(until) (ocspd refresh --force tries now)"
        }
    }
}
