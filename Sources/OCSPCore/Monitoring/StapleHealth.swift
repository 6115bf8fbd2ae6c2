import Foundation

/// How one configured staple stands, judged from the files on disk and the state folder
/// alone (no network): for `ocspd check` and the metrics file.
public struct StapleHealth: Sendable {
    /// Nagios/Icinga/Sensu plugin states, in their exit-code order.
    public enum Level: Int32, Sendable, Comparable, CustomStringConvertible {
        case ok = 0
        case warning = 1
        case critical = 2
        case unknown = 3

        public static func < (lhs: Level, rhs: Level) -> Bool {
            // UNKNOWN ranks between WARNING and CRITICAL when combining.
            lhs.rank < rhs.rank
        }

        var rank: Int { [0, 1, 3, 2][Int(rawValue)] }

        public var description: String { ["OK", "WARNING", "CRITICAL", "UNKNOWN"][Int(rawValue)] }
    }

    public let job: RefreshJob
    public let leaf: LeafIdentity?
    /// The proof in place, if it verifies for the current certificate.
    public let staple: StapleFacts?
    public let state: StapleState
    public let level: Level
    public let reason: String
    /// A verified revocation record says the certificate is revoked, whatever proof is in place.
    public var revokedOnRecord: Bool = false

    public var mustStaple: Bool { leaf?.mustStaple ?? false }

    /// The certificate's status as the metrics and `check --json` show it: "revoked" when a
    /// record proves it, else the status of the proof in place.
    public var certificateStatus: String? {
        revokedOnRecord ? "revoked" : staple?.status.name
    }

    /// - Parameters:
    ///   - warning, critical: time left before the effective expiry below which the staple is a warning, critical.
    public static func assess(_ job: RefreshJob, store: StateStore, at now: Date, warning: TimeInterval, critical: TimeInterval)
        -> StapleHealth
    {
        let ledger = RevocationLedger(stateDirectory: store.directory, outputPath: job.outputPath)
        return assessFiles(job, state: store.load(for: job.outputPath), ledger: ledger, at: now, warning: warning, critical: critical)
            .withCrediblePlans(at: now)
    }

    /// The same health, with the state's plans judged as the next refresh will judge them
    /// (`StoredPlan`): a next attempt left by a run under a clock ahead is not shown as the
    /// plan, since that refresh discards it and plans again from the proof in place.
    private func withCrediblePlans(at now: Date) -> StapleHealth {
        var judged = state
        judged.discardIncrediblePlans(proofInPlace: staple, at: now, timing: mustStaple ? job.timing.forMustStaple : job.timing)
        return StapleHealth(
            job: job, leaf: leaf, staple: staple, state: judged, level: level, reason: reason, revokedOnRecord: revokedOnRecord)
    }

    /// The health from the files on disk: the chain, the issuer, the proof in place, and the
    /// revocation records.
    private static func assessFiles(
        _ job: RefreshJob, state: StapleState, ledger: RevocationLedger, at now: Date,
        warning: TimeInterval, critical: TimeInterval
    ) -> StapleHealth {
        if let remembered = assessFromRecord(job, state: state, ledger: ledger, at: now, warning: warning, critical: critical) {
            return remembered
        }
        let chain: CertificateChain
        do {
            chain = try CertificateChain.read(from: job.chainPath)
        } catch {
            return StapleHealth(job: job, leaf: nil, staple: nil, state: state, level: .unknown, reason: error.description)
        }
        let leaf = LeafIdentity(chain.leaf)
        if chain.leaf.ocspURLs.isEmpty && job.responderURL == nil {
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: .ok, reason: "names no OCSP responder: nothing to staple")
        }
        guard let issuer = localIssuer(of: chain, job: job, state: state) else {
            return StapleHealth(
                job: job, leaf: leaf, staple: nil, state: state, level: .unknown,
                reason: "its issuer is not in \(job.chainPath) nor cached; run ocspd refresh once")
        }
        let subject = StapleSubject(leaf: chain.leaf, issuer: issuer)
        let onDisk = StapleOnDisk.assess(
            job.outputPath, for: subject, extraCertificates: responderCertificates(job), at: now,
            assumedValidity: job.timing.assumedValidity)
        if let revoked = revocationOnRecord(ledger, subject: subject) {
            return StapleHealth(
                job: job, leaf: leaf, staple: onDisk.validStaple?.facts, state: state, level: .critical,
                reason:
                    "the certificate is REVOKED (\(revoked.status)): a verified revocation record says so (\(revoked.record)); replace the certificate",
                revokedOnRecord: true)
        }
        return judge(onDisk, leaf: leaf, job: job, state: state, at: now, warning: warning, critical: critical)
    }

    /// The health from what ocspd verified last (see `VerifiedRecord`), when the record still
    /// covers the files: the metrics file is rewritten after every daemon round, and must not
    /// verify thousands of proofs each time. Not when a file is at a revocation record's
    /// name: that is read and verified from the files.
    private static func assessFromRecord(
        _ job: RefreshJob, state: StapleState, ledger: RevocationLedger, at now: Date,
        warning: TimeInterval, critical: TimeInterval
    ) -> StapleHealth? {
        guard VerifiedRecord.covers(job), let record = state.verified, record.ledgerIsSilent(ledger),
            case .success(let chainBytes) = FileBytes.read(job.chainPath, maximum: CertificateChain.maximumFileSize),
            let facts = record.facts(
                chainSHA256: VerifiedRecord.digest(chainBytes), stapleAt: job.outputPath, at: now,
                assumedValidity: job.timing.assumedValidity)
        else { return nil }
        return judge(facts, leaf: record.leaf, job: job, state: state, at: now, warning: warning, critical: critical)
    }

    /// The leaf's issuer among the chain, the state's cached copy and `--issuer`: never the network.
    private static func localIssuer(of chain: CertificateChain, job: RefreshJob, state: StapleState) -> Certificate? {
        var candidates = chain.intermediates
        if let cached = state.issuer, let issuer = Certificate(derBytes: Array(cached.der)) { candidates.append(issuer) }
        if let path = job.issuerPath, case .success(let bytes) = FileBytes.read(path, maximum: LocalFileLimit.bytes) {
            candidates += CertificateBundle.certificates(in: bytes)
        }
        return IssuerSearch.issuer(of: chain.leaf, among: candidates)
    }

    /// The certificates `--responder-cert` names, none when it names none or cannot be read.
    private static func responderCertificates(_ job: RefreshJob) -> [Certificate] {
        guard let path = job.responderCertificatePath, case .success(let bytes) = FileBytes.read(path, maximum: LocalFileLimit.bytes)
        else { return [] }
        return CertificateBundle.certificates(in: bytes)
    }

    /// The revocation a verified record proves, read only when a file is at a record name.
    /// Nothing is written or copied: `check` and the metrics only look.
    private static func revocationOnRecord(_ ledger: RevocationLedger, subject: StapleSubject) -> (status: CertStatus, record: String)? {
        guard ledger.mayHoldRecord(named: RevocationLedger.certificateName(subject)),
            let evidence = ledger.read(subject).evidence,
            case .success(let proof) = RevocationEvidence.verify(evidence.bytes, for: subject)
        else { return nil }
        return (proof.status, evidence.record ?? "seen by this process, not yet recorded")
    }
}
