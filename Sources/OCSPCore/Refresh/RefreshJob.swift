import Foundation

/// One staple to maintain: where the chain is, where the proof goes, how to get it, and
/// which server reads it.
public struct RefreshJob: Sendable, Hashable {
    public var chainPath: String
    public var outputPath: String
    /// Used when the chain does not hold the leaf's issuer.
    public var issuerPath: String?
    /// Replaces the leaf's AIA OCSP URLs.
    public var responderURL: String?
    /// A delegated responder certificate the responder leaves out of its answers.
    public var responderCertificatePath: String?
    public var nonce: Bool
    public var policy: TargetPolicy
    /// Fetch even when the staple on disk is fresh.
    public var force: Bool
    public var timing: Timing
    /// Run after the staple file changed (written or removed); an argument vector, not a shell string.
    public var hook: Hook?
    /// `on-revoked`, `on-failure` and their settings.
    public var events = EventHooks()
    /// Configured forms (`run`, `refresh --config`): follow the schedule and backoff kept in
    /// the state folder instead of the single form's halfway rule.
    public var followsSchedule: Bool = false
    /// How many responders, and how long, one refresh may spend on the network.
    public var budget = RefreshBudget()

    public init(
        chainPath: String, outputPath: String, issuerPath: String? = nil, responderURL: String? = nil,
        responderCertificatePath: String? = nil, nonce: Bool = false,
        policy: TargetPolicy = TargetPolicy(target: .exim), force: Bool = false,
        timing: Timing = Timing(), hook: Hook? = nil
    ) {
        self.chainPath = chainPath
        self.outputPath = outputPath
        self.issuerPath = issuerPath
        self.responderURL = responderURL
        self.responderCertificatePath = responderCertificatePath
        self.nonce = nonce
        self.policy = policy
        self.force = force
        self.timing = timing
        self.hook = hook
    }
}
