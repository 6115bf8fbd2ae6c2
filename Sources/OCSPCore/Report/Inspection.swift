import Foundation

/// `ocspd inspect`: decode a proof from a file and, when given the chain or the issuer,
/// verify it without any network request.
public enum Inspection {
    public static func inspect(
        file: String, chainPath: String?, issuerPath: String?, at moment: Date,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> Result<InspectReport, InspectError> {
        do throws(InspectError) {
            let response = try readResponse(file)
            let issuerCertificates = try readIssuerCertificates(issuerPath)
            guard let chainPath else {
                guard let issuer = issuerCertificates.first else {
                    return .success(InspectReport(response: response, verification: nil, at: moment, assumedValidity: assumedValidity))
                }
                let verification = StapleVerifier.verify(response, issuedBy: issuer, at: moment, assumedValidity: assumedValidity)
                return .success(
                    InspectReport(response: response, verification: verification, at: moment, assumedValidity: assumedValidity))
            }
            let inputs = VerificationInputs(
                issuerCertificates: issuerCertificates, issuerPath: issuerPath, assumedValidity: assumedValidity)
            return .success(try verify(response, forChain: chainPath, inputs, at: moment))
        } catch {
            return .failure(error)
        }
    }

    private static func readResponse(_ file: String) throws(InspectError) -> OCSPResponse {
        let bytes: [UInt8]
        switch FileBytes.read(file, maximum: LocalFileLimit.bytes) {
        case .failure(let reason): throw .unreadable(path: file, reason: reason)
        case .success(let read): bytes = read
        }
        do {
            return try OCSPResponse(derOrPEM: bytes)
        } catch {
            throw .undecodable(path: file, reason: error)
        }
    }

    /// The certificates `--issuer` names: none without it, and never an empty file.
    private static func readIssuerCertificates(_ issuerPath: String?) throws(InspectError) -> [Certificate] {
        guard let issuerPath else { return [] }
        let certificates: [Certificate]
        switch FileBytes.read(issuerPath, maximum: LocalFileLimit.bytes) {
        case .failure(let reason):
            throw .verificationInput(IssuerError.unreadable(path: issuerPath, reason: reason).description)
        case .success(let bytes): certificates = CertificateBundle.certificates(in: bytes)
        }
        if certificates.isEmpty { throw .verificationInput("\(issuerPath) holds no certificate") }
        return certificates
    }

    /// What besides the chain goes into the verification: `--issuer` and `--assume-validity`.
    private struct VerificationInputs {
        var issuerCertificates: [Certificate]
        var issuerPath: String?
        var assumedValidity: TimeInterval
    }

    /// The proof verified for the chain's leaf, its issuer found in the chain or `--issuer`.
    private static func verify(
        _ response: OCSPResponse, forChain chainPath: String, _ inputs: VerificationInputs, at moment: Date
    ) throws(InspectError) -> InspectReport {
        let (issuerCertificates, issuerPath) = (inputs.issuerCertificates, inputs.issuerPath)
        let chain: CertificateChain
        do {
            chain = try CertificateChain.read(from: chainPath)
        } catch {
            throw .verificationInput(error.description)
        }
        guard let issuer = IssuerSearch.issuer(of: chain.leaf, among: chain.intermediates + issuerCertificates) else {
            throw .verificationInput(
                IssuerError.notFound(leaf: chain.leaf.description, tried: [chainPath] + (issuerPath.map { [$0] } ?? [])).description)
        }
        let verification = StapleVerifier.verify(
            response, for: StapleSubject(leaf: chain.leaf, issuer: issuer), at: moment, assumedValidity: inputs.assumedValidity)
        return InspectReport(
            response: response, verification: verification, at: moment, forCertificate: true, mustStaple: chain.leaf.mustStaple,
            assumedValidity: inputs.assumedValidity)
    }
}

public enum InspectError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: FileReadError)
    case undecodable(path: String, reason: OCSPDecodingError)
    case verificationInput(String)

    /// 2 when the file is no OCSP response; 1 when it is but could not be verified.
    public var exitCode: Int32 {
        switch self {
        case .unreadable, .undecodable: return 2
        case .verificationInput: return 1
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .undecodable(let path, let reason):
            // Named and described, never quoted: the file may be anything a link led to.
            return "\(path) is not a decodable OCSP response: \(StapleOnDisk.describeWithoutContent(reason))"
        case .verificationInput(let detail): return "cannot verify: \(detail)"
        }
    }
}
