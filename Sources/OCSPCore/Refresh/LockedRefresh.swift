import Foundation

/// What one refresh under the lock has gathered, and the state it updates as it goes.
struct LockedRefresh {
    let job: RefreshJob
    let chain: CertificateChain
    /// Of the chain file's bytes: the key of the verification record.
    let chainSHA256: String
    let urls: [String]
    let issuer: Certificate
    let subject: StapleSubject
    /// `--responder-cert`.
    let extraCertificates: [Certificate]
    let ledger: RevocationLedger
    /// The one reading of the wall clock for this refresh.
    let now: Date
    /// The file in place, judged once: the same bytes are judged now and compared with the
    /// new proof later.
    var onDisk: StapleOnDisk = .missing
    var onDiskBytes: [UInt8]? = nil
    var revocation: RevocationBelief = .notRevoked
    var state: StapleState
    var hints = ScheduleHints()
    var budget: BudgetSpending
    var failures: [ResponderFailure] = []
    /// The round's shared answers, and under which key this refresh finds and keeps them.
    var sharing: (use: SharedFetchUse, key: SharedFetchKey)? = nil

    var policy: TargetPolicy { job.policy }

    /// The timing of this certificate (more room for Must-Staple).
    var timing: Timing { chain.leaf.mustStaple ? job.timing.forMustStaple : job.timing }

    /// A record of `staple` verified in place as `bytes`, for the fast path next time.
    func record(_ staple: VerifiedStaple, bytes: [UInt8]) -> VerifiedRecord? {
        VerifiedRecord(staple, stapleBytes: bytes, leaf: chain.leaf, chainSHA256: chainSHA256, issuer: issuer)
    }
}
