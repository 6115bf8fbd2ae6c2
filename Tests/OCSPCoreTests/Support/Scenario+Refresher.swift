import Foundation
import Logging

@testable import OCSPCore

extension Scenario {
    /// Runs the Refresher in-process with the clock at `moment`: proofs from the real
    /// responder carry real times, so a later clock makes the staple on disk age.
    func refresh(
        target: Target, at moment: Date = Date(), force: Bool = false, chain: String? = nil,
        responder: String? = nil, margin: TimeInterval = TargetPolicy.defaultExpiryMargin,
        transport: any HTTPTransport = CurlTransport(), log: CapturedLog? = nil, nonce: Bool = false
    ) throws -> RefreshOutcome {
        let job = RefreshJob(
            chainPath: try chain ?? chainFile(), outputPath: output, responderURL: responder, nonce: nonce,
            policy: TargetPolicy(target: target, expiryMargin: margin), force: force)
        let logger = log?.logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let refresher = Refresher(transport: transport, stateStore: StateStore(directory: stateDirectory), now: { moment }, logger: logger)
        return refresher.refresh(job)
    }

    /// Puts `response` where the staple goes, as an earlier run would have.
    func place(_ response: OCSPResponse) throws {
        try StapleWriter.write(response.derBytes, to: output)
    }

    /// Marks the (revoked) leaf valid again in the responder's index: a responder claiming un-revocation.
    func unrevokeInIndex() throws {
        try pki.unrevoke(leaf)
        pokeResponders()
    }
}
