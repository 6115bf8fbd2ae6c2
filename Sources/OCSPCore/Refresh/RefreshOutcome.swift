/// How one refresh ended. Each case maps to one documented exit code.
public enum RefreshOutcome: Sendable {
    /// A good proof is in place.
    case stapled(VerifiedStaple, responder: String)
    /// The responder says the certificate is revoked; the proof is in place.
    case revoked(VerifiedStaple, responder: String)
    /// The certificate names no OCSP responder: nothing to staple.
    case nothingToStaple(Certificate)
    /// No new proof; `stapleOnDisk` is the valid one still in place, if any.
    case failed(RefreshError, stapleOnDisk: VerifiedStaple?)

    /// 0 a valid staple is in place; 1 refresh failed but the staple on disk is still valid;
    /// 2 refresh failed and no valid staple is in place; 3 revoked; 4 no OCSP responder.
    public var exitCode: Int32 {
        switch self {
        case .stapled: return ExitStatus.stapled
        case .revoked: return ExitStatus.revoked
        case .nothingToStaple: return ExitStatus.nothingToStaple
        case .failed(_, let onDisk): return onDisk == nil ? ExitStatus.noValidStaple : ExitStatus.staleButValid
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
}
