import Foundation
import Logging

/// Fetches, verifies and writes one staple. Only the transport and the clock reach the
/// outside world, and both are injected.
public struct Refresher: Sendable {
    public let transport: any HTTPTransport
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(transport: any HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.transport = transport
        self.now = now
        self.logger = logger
    }

    public func refresh(_ job: RefreshJob) -> RefreshOutcome {
        let chain: CertificateChain
        do {
            chain = try CertificateChain.read(from: job.chainPath)
        } catch {
            return failed(.chain(error), onDisk: nil, job: job)
        }
        let leaf = chain.leaf

        let responderURLs = job.responderURL.map { [$0] } ?? leaf.ocspURLs.filter(Self.isHTTP)
        guard !responderURLs.isEmpty else {
            let others = leaf.ocspURLs.isEmpty ? "" : " (only non-HTTP ones: \(leaf.ocspURLs.joined(separator: ", ")))"
            logger.notice("nothing to staple: \(leaf) names no OCSP responder\(others); pass --responder URL if it has one")
            return .nothingToStaple(leaf)
        }

        let issuer: Certificate
        switch IssuerResolver(transport: transport).resolve(for: chain, issuerPath: job.issuerPath) {
        case .failure(let error):
            return failed(.issuer(error), onDisk: nil, job: job)
        case .success(let (found, source)):
            issuer = found
            if source != .chain { logger.info("issuer of \(leaf) taken from \(source)") }
        }
        let subject = StapleSubject(leaf: leaf, issuer: issuer)
        let moment = now()
        let onDisk = validStapleOnDisk(job.outputPath, for: subject, extra: [], at: moment)

        if moment > leaf.notAfter {
            return failed(.leafExpired(certificate: leaf.description, notAfter: RFC3339.string(leaf.notAfter)), onDisk: nil, job: job)
        }

        var extra: [Certificate] = []
        if let path = job.responderCertificatePath {
            switch FileBytes.read(path, maximum: 1 << 20) {
            case .failure(let reason):
                return failed(.responderCertificate(path: path, reason: reason.description), onDisk: onDisk, job: job)
            case .success(let bytes):
                extra = CertificateBundle.certificates(in: bytes)
                if extra.isEmpty {
                    return failed(.responderCertificate(path: path, reason: "it holds no certificate"), onDisk: onDisk, job: job)
                }
            }
        }

        let request: OCSPRequest
        do {
            request = try OCSPRequest(for: leaf, issuedBy: issuer, nonce: job.nonce)
        } catch {
            return failed(.request(error), onDisk: onDisk, job: job)
        }

        let fetcher = OCSPFetcher(transport: transport)
        var failures: [ResponderFailure] = []
        for url in responderURLs {
            let fetched: OCSPFetcher.Fetched
            switch fetcher.fetch(request, from: url) {
            case .failure(let failure):
                logger.debug("\(failure)")
                failures.append(failure)
                continue
            case .success(let result):
                fetched = result
            }
            for warning in fetched.warnings { logger.warning("\(warning)") }
            switch StapleVerifier.verify(fetched.response, for: subject, at: now(), extraCertificates: extra, expectedNonce: request.nonce) {
            case .failure(let failure):
                let rejected = ResponderFailure(url: url, method: fetched.method, reason: .rejected(failure))
                logger.debug("\(rejected)")
                failures.append(rejected)
            case .success(let staple):
                return write(staple, from: url, job: job, onDisk: onDisk)
            }
        }
        return failed(.allRespondersFailed(failures), onDisk: onDisk, job: job)
    }

    private func write(_ staple: VerifiedStaple, from url: String, job: RefreshJob, onDisk: VerifiedStaple?) -> RefreshOutcome {
        if staple.expiryLimit == .signerNotAfter, let nextUpdate = staple.single.nextUpdate {
            logger.warning("the responder certificate \(staple.signer.subject) expires at \(RFC3339.string(staple.signer.notAfter)), before the proof's nextUpdate \(RFC3339.string(nextUpdate)); clients will refuse the proof from then, so ocspd treats it as expiring then")
        }
        let bytes: [UInt8]
        do {
            bytes = try StapleAssembler.embedding(staple.signerMissingFromResponse ? [staple.signer] : [], in: staple.response)
        } catch {
            return failed(.assembly(error.description), onDisk: onDisk, job: job)
        }
        do {
            try StapleWriter.write(bytes, to: job.outputPath)
        } catch {
            return failed(.write(error), onDisk: onDisk, job: job)
        }
        let summary = "\(job.outputPath): \(staple.status) proof for \(staple.single.certID.serialNumber) from \(url), thisUpdate \(RFC3339.string(staple.thisUpdate)), effective expiry \(RFC3339.string(staple.effectiveExpiry))"
        if staple.status.isRevoked {
            logger.critical("certificate serial \(staple.single.certID.serialNumber) is REVOKED (\(staple.status)); \(summary). Replace the certificate now.")
            return .revoked(staple, responder: url)
        }
        logger.info("wrote \(summary)")
        return .stapled(staple, responder: url)
    }

    private func failed(_ error: RefreshError, onDisk: VerifiedStaple?, job: RefreshJob) -> RefreshOutcome {
        if let onDisk {
            logger.error("refresh of \(job.outputPath) failed: \(error). The staple on disk stays valid until \(RFC3339.string(onDisk.effectiveExpiry)).")
        } else {
            logger.error("refresh of \(job.outputPath) failed: \(error). No valid staple is in place.")
        }
        return .failed(error, stapleOnDisk: onDisk)
    }

    /// The proof at `path` if it is one this certificate could be served with now.
    func validStapleOnDisk(_ path: String, for subject: StapleSubject, extra: [Certificate], at moment: Date) -> VerifiedStaple? {
        guard case .success(let bytes) = FileBytes.read(path, maximum: 1 << 20),
            let response = try? OCSPResponse(derOrPEM: bytes),
            case .success(let staple) = StapleVerifier.verify(response, for: subject, at: moment, extraCertificates: extra)
        else { return nil }
        return staple
    }

    static func isHTTP(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}
