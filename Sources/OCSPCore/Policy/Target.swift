import Foundation

/// The server that reads the staple. Each fails differently on a bad file, so each has its
/// own rules for what may be put in place and what must be taken away.
///
/// Measured on Debian 12 (exim4 4.96 with GnuTLS 3.7.9, nginx 1.22, HAProxy 2.6):
/// - Exim refuses STARTTLS when its file is empty, not OCSP, expired, revoked, for another
///   certificate, or has our SingleResponse anywhere but first; with the
///   `${if exists{...}}` form a missing file just means no staple.
/// - nginx reads the file only at start and reload, never date-checks it, and fails to
///   reload when it is missing, empty or garbage.
/// - HAProxy wants exactly one SingleResponse with a SHA-1 CertID, good or revoked, with at
///   least 300 s left, and a nextUpdate: without one it logs "OCSP single response: missing
///   nextupdate. Content will be ignored." and staples nothing.
/// - A proof without nextUpdate: Exim staples it and its own client (`hosts_require_ocsp`)
///   accepts it until 15 days after its thisUpdate (GnuTLS's limit; later it staples nothing
///   and STARTTLS still works); nginx staples it; so those keep it for `assume-validity`
///   after thisUpdate, which for Exim may not exceed those 15 days.
public enum Target: String, Sendable, CaseIterable, CustomStringConvertible {
    case exim
    case nginx
    case haproxy
    case generic

    public var description: String { rawValue }

    /// HAProxy refuses a staple with less time left than this.
    public static let haproxyMinimumValidity: TimeInterval = 300

    /// Exim (GnuTLS 3.7) staples a proof without nextUpdate for this long after its
    /// thisUpdate, then nothing (measured: 14.99 days stapled, 15.01 days not).
    public static let eximNoNextUpdateLimit: TimeInterval = 15 * 86400

    /// Why `assumedValidity` cannot work for this target, or nil: longer than the server
    /// itself serves a proof without nextUpdate, ocspd would count on a staple no client gets.
    public func assumedValidityProblem(_ assumedValidity: TimeInterval) -> String? {
        guard self == .exim, assumedValidity > Self.eximNoNextUpdateLimit else { return nil }
        return
            "assume-validity \(DurationText.describe(assumedValidity)) is longer than the 15 days Exim (GnuTLS) staples a proof without nextUpdate after its thisUpdate; make it at most 15d for target exim"
    }
}

/// Why a target will not have a proof put in place, or will not keep one.
public enum TargetRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case revokedNotServed
    case notFirstSingleResponse(index: Int)
    case multipleSingleResponses(Int)
    case nonSHA1CertID(String)
    case tooLittleTimeLeft(seconds: Int, minimum: Int)
    case nextUpdateMissing

    public var description: String {
        switch self {
        case .revokedNotServed:
            return "Exim refuses STARTTLS with a revoked staple, so a revoked proof is never put in place for it"
        case .notFirstSingleResponse(let index):
            return "our answer is SingleResponse #\(index + 1); GnuTLS (Exim) only accepts it first"
        case .multipleSingleResponses(let count):
            return "the proof has \(count) SingleResponses; HAProxy accepts exactly one"
        case .nonSHA1CertID(let algorithm):
            return "the proof's CertID uses \(algorithm); HAProxy matches SHA-1 CertIDs only"
        case .tooLittleTimeLeft(let seconds, let minimum):
            return "only \(seconds) s of validity left, under the \(minimum) s the server requires"
        case .nextUpdateMissing:
            return
                "the proof has no nextUpdate, and HAProxy ignores such a staple (it logs \"OCSP single response: missing nextupdate. Content will be ignored.\"), so it is not put in place; a staple already in place stays until it expires"
        }
    }
}

/// What each target accepts and removes: pure functions of the proof, the target and a clock.
public struct TargetPolicy: Sendable, Hashable {
    public let target: Target
    /// Exim: a staple closer than this to its effective expiry is removed rather than left to
    /// expire in place (an expired file makes Exim refuse STARTTLS).
    public let expiryMargin: TimeInterval

    public static let defaultExpiryMargin: TimeInterval = 300

    public init(target: Target, expiryMargin: TimeInterval = TargetPolicy.defaultExpiryMargin) {
        self.target = target
        self.expiryMargin = expiryMargin
    }

    /// Whether `staple` (verified for the current certificate) may be in place for this target at `now`.
    public func refusal(of staple: VerifiedStaple, at now: Date) -> TargetRefusal? {
        refusal(of: staple.facts, at: now)
    }

    public func refusal(of staple: StapleFacts, at now: Date) -> TargetRefusal? {
        let left = staple.effectiveExpiry.timeIntervalSince(now)
        switch target {
        case .exim:
            if staple.status.isRevoked { return .revokedNotServed }
            if staple.singleIndex != 0 { return .notFirstSingleResponse(index: staple.singleIndex) }
            if left <= expiryMargin { return .tooLittleTimeLeft(seconds: Int(left), minimum: Int(expiryMargin)) }
        case .haproxy:
            if staple.singleResponseCount != 1 { return .multipleSingleResponses(staple.singleResponseCount) }
            if staple.certIDHashAlgorithm != "sha1" { return .nonSHA1CertID(staple.certIDHashAlgorithm) }
            if staple.nextUpdate == nil { return .nextUpdateMissing }
            if left < Target.haproxyMinimumValidity {
                return .tooLittleTimeLeft(seconds: Int(left), minimum: Int(Target.haproxyMinimumValidity))
            }
        case .nginx, .generic:
            break
        }
        return nil
    }

    /// Whether the file on disk must go when no acceptable proof can replace it. nginx must
    /// keep even a stale file (a missing one breaks its next reload); generic removes nothing.
    public func removalReason(for onDisk: StapleOnDisk, at now: Date) -> RemovalReason? {
        removalReason(for: onDisk.facts, at: now)
    }

    public func removalReason(for onDisk: OnDiskFacts, at now: Date) -> RemovalReason? {
        switch target {
        case .nginx, .generic:
            return nil
        case .haproxy:
            switch onDisk {
            case .expired: return .expired
            case .foreign: return .forAnotherCertificate
            default: return nil
            }
        case .exim:
            switch onDisk {
            case .missing, .unreadable: return nil
            case .expired: return .expired
            case .foreign: return .forAnotherCertificate
            case .unusable(let reason): return .unusable(reason)
            case .valid(let proof):
                if proof.status.isRevoked { return .revoked }
                if let refusal = refusal(of: proof.facts, at: now) { return .refused(refusal) }
                return nil
            }
        }
    }
}

public enum RemovalReason: Equatable, Sendable, CustomStringConvertible {
    case expired
    case forAnotherCertificate
    case revoked
    case unusable(String)
    case refused(TargetRefusal)

    public var description: String {
        switch self {
        case .expired: return "it has expired"
        case .forAnotherCertificate: return "it is for another certificate"
        case .revoked: return "the certificate is revoked"
        case .unusable(let reason): return "it is not a usable proof (\(reason))"
        case .refused(let refusal): return refusal.description
        }
    }
}
