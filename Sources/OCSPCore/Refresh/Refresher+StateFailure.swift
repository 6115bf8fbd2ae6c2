import Foundation

/// A state folder that cannot be used (read-only, full, a planted lock) stops the refresh,
/// but says nothing about the staple: exit 2 means "no valid staple is in place", so the file
/// is still read and judged, without the lock and without any request.
extension Refresher {
    func stateUnusable(_ error: StateError, pending: PendingRefresh, at moment: Date) -> RefreshOutcome {
        if let revoked = revocationOnRecord(pending) {
            return revokedWithoutTheLock(revoked, pending: pending, because: "the state folder cannot be used (\(error))")
        }
        return .failed(.state(error), stapleOnDisk: servableStapleOnDisk(pending, at: moment), removed: nil)
    }

    /// The proof on disk, when it is valid for the certificate and the target accepts it now.
    /// The issuer comes from the chain, `--issuer`, or the state's cached copy: never the network.
    func servableStapleOnDisk(_ pending: PendingRefresh, at moment: Date) -> VerifiedStaple? {
        let job = pending.job
        let chain = pending.chain
        guard let issuer = localIssuer(pending), case .success(let extra) = extraCertificates(job) else { return nil }
        let onDisk = StapleOnDisk.assess(
            job.outputPath, for: StapleSubject(leaf: chain.leaf, issuer: issuer), extraCertificates: extra, at: moment,
            assumedValidity: job.timing.assumedValidity)
        guard let staple = onDisk.validStaple, job.policy.refusal(of: staple, at: moment) == nil else { return nil }
        return staple
    }

    func localIssuer(_ pending: PendingRefresh) -> Certificate? {
        let chain = pending.chain
        if let issuer = IssuerSearch.issuer(of: chain.leaf, among: chain.intermediates) { return issuer }
        if let path = pending.job.issuerPath, case .success(let bytes) = FileBytes.read(path, maximum: LocalFileLimit.bytes) {
            return IssuerSearch.issuer(of: chain.leaf, among: CertificateBundle.certificates(in: bytes))
        }
        let cached = stateStore.load(for: pending.job.outputPath).issuer
        return cached.flatMap { SharedCertificates.certificate(derBytes: Array($0.der)) }.flatMap {
            IssuerSearch.issuer(of: chain.leaf, among: [$0])
        }
    }
}
