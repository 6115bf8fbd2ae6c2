import Foundation

/// Finds the certificate that signed the leaf: in the chain, else `--issuer`, else the
/// leaf's caIssuers URLs. Always by signature: a name match proves nothing.
public struct IssuerResolver: Sendable {
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case chain
        case file(String)
        case downloaded(String)

        public var description: String {
            switch self {
            case .chain: return "the chain"
            case .file(let path): return path
            case .downloaded(let url): return url
            }
        }
    }

    public let transport: any HTTPTransport
    /// The clock the refresh's time budget is measured on (`MonotonicClock` unless a test injects one).
    public let monotonic: @Sendable () -> TimeInterval

    public init(transport: any HTTPTransport, monotonic: @escaping @Sendable () -> TimeInterval = MonotonicClock.seconds) {
        self.transport = transport
        self.monotonic = monotonic
    }

    /// Downloads count against `budget`: at most its URL count of caIssuers URLs, each
    /// transfer bounded by what is left of its time.
    public func resolve(for chain: CertificateChain, issuerPath: String?, budget: inout BudgetSpending) -> Result<
        (Certificate, Source), IssuerError
    > {
        var tried: [String] = []
        if let issuer = IssuerSearch.issuer(of: chain.leaf, among: chain.intermediates) {
            return .success((issuer, .chain))
        }
        tried.append("\(chain.intermediates.count) other certificate(s) in \(chain.path)")
        if let issuerPath {
            switch FileBytes.read(issuerPath, maximum: LocalFileLimit.bytes) {
            case .failure(let error):
                return .failure(.unreadable(path: issuerPath, reason: error))
            case .success(let bytes):
                if let issuer = IssuerSearch.issuer(of: chain.leaf, among: CertificateBundle.certificates(in: bytes)) {
                    return .success((issuer, .file(issuerPath)))
                }
                tried.append(issuerPath)
            }
        }
        for url in chain.leaf.caIssuersURLs {
            var request = HTTPRequest.get(url)
            switch budget.admit(.issuer, at: monotonic()) {
            case .failure(let refusal):
                tried.append("\(url): \(refusal)")
                continue
            case .success(let deadline):
                request.timeout = max(BudgetSpending.shortestTransfer, deadline - monotonic())
            }
            switch transport.perform(request) {
            case .failure(let error):
                tried.append(error.description)
            case .success(let response) where !(200..<300).contains(response.statusCode):
                tried.append("\(url): HTTP \(response.statusCode)")
            case .success(let response):
                if let issuer = IssuerSearch.issuer(of: chain.leaf, among: CertificateBundle.certificates(in: response.body)) {
                    return .success((issuer, .downloaded(url)))
                }
                tried.append("\(url): served no certificate that signed the leaf")
            }
        }
        return .failure(.notFound(leaf: chain.leaf.description, tried: tried))
    }

    /// The same with a budget of its own (callers outside a refresh).
    public func resolve(for chain: CertificateChain, issuerPath: String?) -> Result<(Certificate, Source), IssuerError> {
        var budget = BudgetSpending(RefreshBudget(), startedAt: monotonic())
        return resolve(for: chain, issuerPath: issuerPath, budget: &budget)
    }
}

public enum IssuerError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: FileReadError)
    case notFound(leaf: String, tried: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the issuer certificate \(path): \(reason)"
        case .notFound(let leaf, let tried):
            return "no certificate that signed \(leaf) was found (tried: \(tried.joined(separator: "; "))); "
                + "append the intermediate to the chain file or pass it with --issuer"
        }
    }
}
