/// How one refresh ended. Each case maps to one documented exit code.
public enum RefreshOutcome: Sendable {
    /// A new good proof was put in place.
    case stapled(VerifiedStaple, responder: String)
    /// The file was left alone and holds a valid proof: still fresh (no request made), the
    /// responder sent the same bytes again, or the file holds a newer proof.
    /// Carries the proof's facts only: a fresh staple is often judged from the state's record
    /// of its last verification, without parsing it again.
    case unchanged(StapleFacts, reason: UnchangedReason)
    /// The certificate is revoked. `written` tells whether the revoked proof is in place
    /// (not for Exim, which refuses STARTTLS with one); `removed` whether a stale staple was taken away.
    case revoked(VerifiedStaple?, written: Bool, removed: Bool)
    /// The certificate names no OCSP responder: nothing to staple.
    case nothingToStaple(Certificate)
    /// No new proof. `stapleOnDisk` is the valid, servable proof still in place, if any;
    /// `removed` tells why a staple was taken away, if one was.
    case failed(RefreshError, stapleOnDisk: VerifiedStaple?, removed: RemovalReason?)
    /// Not started: shutdown began first.
    case busy
    /// Another process holds this staple's lock (`lock`, the lock file): another ocspd
    /// refreshing it now, or anyone who can open the lock holding it. Nothing was done;
    /// `stapleOnDisk` is the valid, servable proof in place as judged without the lock, if any.
    case lockHeld(lock: String, stapleOnDisk: VerifiedStaple?)

    public enum UnchangedReason: String, Sendable {
        case fresh
        case identical
        case newerOnDisk
    }

    /// 0 a valid staple is in place; 1 refresh failed but the staple on disk is still valid;
    /// 2 refresh failed and no valid staple is in place; 3 revoked; 4 no OCSP responder.
    /// The proof in place afterwards, when there is one.
    public var factsInPlace: StapleFacts? {
        switch self {
        case .stapled(let staple, _): return staple.facts
        case .unchanged(let facts, _): return facts
        case .revoked(let staple?, written: true, _): return staple.facts
        case .failed(_, let staple?, _): return staple.facts
        case .lockHeld(_, let staple?): return staple.facts
        default: return nil
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .stapled, .busy: return ExitStatus.stapled
        case .unchanged(let staple, _): return staple.status.isRevoked ? ExitStatus.revoked : ExitStatus.stapled
        case .revoked: return ExitStatus.revoked
        case .nothingToStaple: return ExitStatus.nothingToStaple
        case .failed(_, let onDisk?, _): return onDisk.status.isRevoked ? ExitStatus.revoked : ExitStatus.staleButValid
        case .failed(_, nil, _): return ExitStatus.noValidStaple
        // Whoever holds the lock, the code says what is in place: 2 means no valid staple is.
        case .lockHeld(_, let onDisk?): return onDisk.status.isRevoked ? ExitStatus.revoked : ExitStatus.stapled
        case .lockHeld(_, nil): return ExitStatus.noValidStaple
        }
    }
}

/// The exit codes of `ocspd refresh`, as the README and `--help` document them.
public enum ExitStatus {
    public static let stapled: Int32 = 0
    public static let staleButValid: Int32 = 1
    public static let noValidStaple: Int32 = 2
    public static let revoked: Int32 = 3
    public static let nothingToStaple: Int32 = 4
    public static let usage: Int32 = 64
    public static let configuration: Int32 = 78
}
