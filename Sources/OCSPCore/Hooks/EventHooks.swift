import Foundation

/// The hooks for what an operator must act on, configured per entry like `hook`:
/// `on-revoked` (once per certificate, `Refresher+Hook`) and `on-failure` (events of the
/// `FailureEvents` rules, delivered once per round by `EventDispatch`).
public struct EventHooks: Sendable, Hashable {
    /// Run once when a certificate is first seen revoked.
    public var onRevoked: Hook?
    /// Run for `failing` and `recovered` events, coalesced over a round.
    public var onFailure: Hook?
    /// `failure-threshold` and `failure-hook-interval`.
    public var failure = FailureEvents.Settings()

    public init(onRevoked: Hook? = nil, onFailure: Hook? = nil, failure: FailureEvents.Settings = FailureEvents.Settings()) {
        self.onRevoked = onRevoked
        self.onFailure = onFailure
        self.failure = failure
    }
}
