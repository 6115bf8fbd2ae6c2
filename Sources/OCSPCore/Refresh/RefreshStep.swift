import Foundation

/// A finished refresh: what happened, and when the state says to try next.
public struct Refreshed: Sendable {
    public var outcome: RefreshOutcome
    public var nextAttempt: Date?
}

/// Where a refresh stands after its first, lock-free step.
public enum RefreshStep: Sendable {
    /// Decided without a fetch: a fresh staple, an unreadable chain, nothing to staple.
    case finished(Refreshed)
    /// The rest runs under the staple's lock and probably fetches, so it waits for room at its responder.
    case needsLock(PendingRefresh)
}

/// Where a refresh stands after trying to take its staple's lock.
public enum LockedStep: Sendable {
    /// Done under the lock, or failed before taking it (an unusable state folder).
    case finished(Refreshed)
    /// Another process holds the lock: judging the staple may wait for it
    /// (`lockHeldByAnother`), which must not keep the pool's slots.
    case lockHeld(PendingRefresh)
}

/// A refresh that goes on under the lock, with the chain it has already read.
public struct PendingRefresh: Sendable {
    let job: RefreshJob
    let chain: CertificateChain
    /// Of the chain file's bytes: the key of the verification record.
    let chainSHA256: String
    let urls: [String]
    /// The round whose answers this refresh shares (`refresh --config`, a daemon round);
    /// nil for a refresh of its own.
    var sharing: SharedFetchUse? = nil

    /// The responder asked first, as `scheme://host:port`: the unit the per-responder limit counts.
    public var responderKey: String { ResponderKey.of(urls.first ?? "") }

    /// The certificate asked about, as the pool keeps two requests for it apart: its
    /// issuer's name and its serial (no key hash needed, nothing is parsed).
    public var issuerNameAndSerial: String { Self.issuerNameAndSerial(of: chain) }

    static func issuerNameAndSerial(of chain: CertificateChain) -> String { "\(chain.leaf.issuer)/\(chain.leaf.serialNumber)" }
}

public enum ResponderKey {
    public static func of(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let scheme = components.scheme ?? "http"
        return "\(scheme)://\(host):\(components.port ?? (scheme == "https" ? 443 : 80))"
    }
}
