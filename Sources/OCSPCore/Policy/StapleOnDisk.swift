import Foundation

/// What the staple file holds, judged for the current certificate at one moment.
public enum StapleOnDisk: Sendable {
    case missing
    case unreadable(String)
    /// Verified for the current certificate.
    case valid(VerifiedStaple)
    /// A proof for another certificate (the one before a renewal, typically).
    case foreign
    /// A proof for this certificate whose effective expiry has passed.
    case expired
    /// Empty, not OCSP, badly signed, or otherwise not servable.
    case unusable(String)

    public var validStaple: VerifiedStaple? {
        if case .valid(let staple) = self { return staple }
        return nil
    }

    /// Reads and judges the file at `path`. The only I/O is the read.
    public static func assess(_ path: String, for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date) -> StapleOnDisk {
        assess(FileBytes.read(path, maximum: 1 << 20), for: subject, extraCertificates: extraCertificates, at: now)
    }

    /// Judges what reading the staple file gave.
    public static func assess(_ read: Result<[UInt8], FileReadError>, for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date) -> StapleOnDisk {
        switch read {
        case .failure(.missing): return .missing
        case .failure(let reason): return .unreadable(reason.description)
        case .success(let bytes): return judge(bytes, for: subject, extraCertificates: extraCertificates, at: now)
        }
    }

    public static func judge(_ bytes: [UInt8], for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date) -> StapleOnDisk {
        let response: OCSPResponse
        do {
            response = try OCSPResponse(derOrPEM: bytes)
        } catch {
            return .unusable(describeWithoutContent(error))
        }
        switch StapleVerifier.verify(response, for: subject, at: now, extraCertificates: extraCertificates) {
        case .success(let staple): return .valid(staple)
        case .failure(.noResponseForCertificate): return .foreign
        case .failure(.expired), .failure(.leafExpired): return .expired
        case .failure(let failure): return .unusable(failure.description)
        }
    }

    /// What is wrong with a local file, without quoting it: the file may be anything a link
    /// or a mistake put there, and its bytes are not ocspd's to print.
    static func describeWithoutContent(_ error: OCSPDecodingError) -> String {
        if case .notOCSP = error { return "not an OCSP response: neither DER nor an OCSP RESPONSE PEM block" }
        return error.description
    }
}
