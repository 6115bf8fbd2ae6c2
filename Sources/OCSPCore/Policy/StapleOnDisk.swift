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
    public static func assess(
        _ path: String, for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> StapleOnDisk {
        assess(
            FileBytes.read(path, maximum: LocalFileLimit.bytes), for: subject, extraCertificates: extraCertificates, at: now,
            assumedValidity: assumedValidity)
    }

    /// Judges what reading the staple file gave.
    public static func assess(
        _ read: Result<[UInt8], FileReadError>, for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> StapleOnDisk {
        switch read {
        case .failure(.missing): return .missing
        case .failure(let reason): return .unreadable(reason.description)
        case .success(let bytes):
            return judge(bytes, for: subject, extraCertificates: extraCertificates, at: now, assumedValidity: assumedValidity)
        }
    }

    public static func judge(
        _ bytes: [UInt8], for subject: StapleSubject, extraCertificates: [Certificate] = [], at now: Date,
        assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> StapleOnDisk {
        let response: OCSPResponse
        do {
            response = try OCSPResponse(derOrPEM: bytes)
        } catch {
            return .unusable(describeWithoutContent(error))
        }
        switch verifyAheadOfTheClock(
            response, for: subject, extraCertificates: extraCertificates, at: now, assumedValidity: assumedValidity)
        {
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

    /// A proof already in place that is ahead of our clock (its thisUpdate, or its signer's
    /// notBefore) was put there when it was valid: the clock was stepped back since, or an NTP
    /// correction moved it a few minutes. It is still that proof, newer than anything the
    /// responder can send for our clock, so it is judged at the moment it became valid, not
    /// called broken (which would remove a good Exim staple, or let an older proof replace it
    /// for nginx). Only the judgement of what is on disk moves; a new proof from a responder is
    /// still verified at our clock and refused when its thisUpdate is ahead of it.
    static func verifyAheadOfTheClock(
        _ response: OCSPResponse, for subject: StapleSubject, extraCertificates: [Certificate],
        at now: Date, assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> Result<VerifiedStaple, VerificationFailure> {
        var moment = now
        // Each step moves the moment forward to a date the proof itself names; three cover the
        // signer's notBefore, then thisUpdate.
        for _ in 0..<3 {
            let result = StapleVerifier.verify(
                response, for: subject, at: moment, extraCertificates: extraCertificates, assumedValidity: assumedValidity)
            switch result {
            case .failure(.thisUpdateInFuture(let thisUpdate)) where thisUpdate > moment:
                moment = thisUpdate
            case .failure(.signerNotYetValid(_, let notBefore)) where notBefore > moment:
                moment = notBefore
            default:
                return result
            }
        }
        return StapleVerifier.verify(
            response, for: subject, at: moment, extraCertificates: extraCertificates, assumedValidity: assumedValidity)
    }
}
