import Foundation

/// What a refresh needs besides the chain: the issuer and any delegated responder certificates.
extension Refresher {
    /// The delegated responder certificates named by `--responder-cert`, if any.
    func extraCertificates(_ job: RefreshJob) -> Result<[Certificate], RefreshError> {
        guard let path = job.responderCertificatePath else { return .success([]) }
        switch FileBytes.read(path, maximum: LocalFileLimit.bytes) {
        case .failure(let reason):
            return .failure(.responderCertificate(path: path, reason: reason.description))
        case .success(let bytes):
            let certificates = CertificateBundle.certificates(in: bytes)
            return certificates.isEmpty
                ? .failure(.responderCertificate(path: path, reason: "it holds no certificate")) : .success(certificates)
        }
    }

    /// The chain, else a cached download that still signs the leaf, else `--issuer` or caIssuers.
    func resolveIssuer(chain: CertificateChain, job: RefreshJob, state: inout StapleState, budget: inout BudgetSpending) -> Result<
        Certificate, IssuerError
    > {
        if let issuer = IssuerSearch.issuer(of: chain.leaf, among: chain.intermediates) {
            return .success(issuer)
        }
        if job.issuerPath == nil, let cached = state.issuer, let issuer = SharedCertificates.certificate(derBytes: Array(cached.der)),
            IssuerSearch.issuer(of: chain.leaf, among: [issuer]) != nil
        {
            return .success(issuer)
        }
        return IssuerResolver(transport: transport, monotonic: monotonic).resolve(for: chain, issuerPath: job.issuerPath, budget: &budget)
            .map { issuer, source in
                if case .downloaded(let url) = source {
                    logger.info("issuer of \(chain.leaf) downloaded from \(url) and cached")
                    state.issuer = StapleState.CachedIssuer(source: url, der: Data(issuer.derBytes))
                }
                return issuer
            }
    }
}
