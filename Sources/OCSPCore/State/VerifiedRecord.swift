import Foundation

/// What ocspd last verified for a staple, bound to the exact bytes it verified. While the
/// chain file and the staple file are byte for byte the same, every signature and CertID
/// check still holds and only the clock can change the verdict, so a fresh staple is judged
/// from these dates alone. Checking thousands of fresh staples then costs two file reads and
/// two hashes each, not X.509 parsing and three signature verifications.
///
/// Only good proofs are recorded; revoked ones always take the full path.
public struct VerifiedRecord: Codable, Sendable, Equatable {
    /// SHA-256 of the chain file and of the staple file, hex.
    public var chainSHA256: String
    /// The `CertificateChain.rulesVersion` the chain was read by: the same bytes may mean
    /// another leaf, or no chain at all, to other rules. Absent in older records: 1.
    public var chainRules: Int
    public var stapleSHA256: String
    public var thisUpdate: Date
    public var nextUpdate: Date?
    /// For a proof without nextUpdate, the `assume-validity` its effective expiry was derived
    /// under: once the configuration says otherwise, the record no longer speaks for it.
    public var assumedValidity: TimeInterval?
    public var effectiveExpiry: Date
    public var expiryLimit: String
    public var singleIndex: Int
    public var singleResponseCount: Int
    public var certIDHashAlgorithm: String
    /// The signer's validity: with thisUpdate, nextUpdate and `effectiveExpiry`, what
    /// `ProofTimeWindow` checks again.
    public var signerNotBefore: Date
    /// Absent in older records: no fast path until the next full refresh records it.
    public var signerNotAfter: Date?
    public var leafSubject: String
    public var leafSerialNumber: String
    public var leafMustStaple: Bool
    /// Whether the leaf names an HTTP responder itself (else only a configured one made this possible).
    public var leafHasResponder: Bool
    /// The certificate's name in the `RevocationLedger` (issuer key hash and serial): a record
    /// there vetoes this "good", so the fast path looks for one. Absent in older records (and
    /// without an issuer): no fast path until the next full refresh records it.
    public var revocationName: String?

    init?(_ staple: VerifiedStaple, stapleBytes: [UInt8], leaf: Certificate, chainSHA256: String, issuer: Certificate? = nil) {
        guard staple.status == .good else { return nil }
        revocationName = issuer.map { RevocationLedger.certificateName(StapleSubject(leaf: leaf, issuer: $0)) }
        self.chainSHA256 = chainSHA256
        chainRules = CertificateChain.rulesVersion
        self.stapleSHA256 = Self.digest(stapleBytes)
        thisUpdate = staple.thisUpdate
        nextUpdate = staple.single.nextUpdate
        assumedValidity = staple.assumedValidity
        effectiveExpiry = staple.effectiveExpiry
        expiryLimit = staple.expiryLimit.rawValue
        singleIndex = staple.singleIndex
        singleResponseCount = staple.basic.responses.count
        certIDHashAlgorithm = staple.single.certID.hashAlgorithm
        signerNotBefore = staple.signer.notBefore
        signerNotAfter = staple.signer.notAfter
        leafSubject = leaf.subject
        leafSerialNumber = leaf.serialNumber
        leafMustStaple = leaf.mustStaple
        leafHasResponder = leaf.ocspURLs.contains(where: FetchableURL.isAllowed)
    }

    private enum CodingKeys: String, CodingKey {
        case chainSHA256, chainRules, stapleSHA256, thisUpdate, nextUpdate, assumedValidity, effectiveExpiry, expiryLimit, singleIndex,
            singleResponseCount, certIDHashAlgorithm, signerNotBefore, signerNotAfter, leafSubject, leafSerialNumber, leafMustStaple,
            leafHasResponder,
            revocationName
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        chainSHA256 = try container.decode(String.self, forKey: .chainSHA256)
        // Records written before the field existed were made under the first rules.
        chainRules = try container.decodeIfPresent(Int.self, forKey: .chainRules) ?? 1
        stapleSHA256 = try container.decode(String.self, forKey: .stapleSHA256)
        thisUpdate = try container.decode(Date.self, forKey: .thisUpdate)
        nextUpdate = try container.decodeIfPresent(Date.self, forKey: .nextUpdate)
        assumedValidity = try container.decodeIfPresent(TimeInterval.self, forKey: .assumedValidity)
        effectiveExpiry = try container.decode(Date.self, forKey: .effectiveExpiry)
        expiryLimit = try container.decode(String.self, forKey: .expiryLimit)
        singleIndex = try container.decode(Int.self, forKey: .singleIndex)
        singleResponseCount = try container.decode(Int.self, forKey: .singleResponseCount)
        certIDHashAlgorithm = try container.decode(String.self, forKey: .certIDHashAlgorithm)
        signerNotBefore = try container.decode(Date.self, forKey: .signerNotBefore)
        signerNotAfter = try container.decodeIfPresent(Date.self, forKey: .signerNotAfter)
        leafSubject = try container.decode(String.self, forKey: .leafSubject)
        leafSerialNumber = try container.decode(String.self, forKey: .leafSerialNumber)
        leafMustStaple = try container.decode(Bool.self, forKey: .leafMustStaple)
        leafHasResponder = try container.decode(Bool.self, forKey: .leafHasResponder)
        revocationName = try container.decodeIfPresent(String.self, forKey: .revocationName)
    }

    static func digest(_ bytes: [UInt8]) -> String {
        Hex.string(Digest.sha256(bytes))
    }

    /// Whether a record can speak for `job`: inputs outside the chain and staple files
    /// (`--issuer`, `--responder-cert`) are not covered by its hashes.
    static func covers(_ job: RefreshJob) -> Bool {
        job.issuerPath == nil && job.responderCertificatePath == nil
    }

    /// Whether this "good" may speak without a look at the revocation ledger's records: only
    /// when it names its certificate there and nothing is at either record name. Anything at
    /// one sends the caller to its full path, which verifies the record.
    /// - Parameter outputIsPlain: true when the output's last component was just seen to be
    ///   no symlink (the probe beside it then need not look again).
    func ledgerIsSilent(_ ledger: RevocationLedger, outputIsPlain: Bool? = nil) -> Bool {
        guard let revocationName else { return false }
        return !ledger.mayHoldRecord(named: revocationName, outputIsPlain: outputIsPlain)
    }

    /// The facts, when the chain (by its hash, read by today's rules) and the staple file at
    /// `stapleAt` are the bytes this record was made for, a proof without nextUpdate was judged
    /// under today's `assumedValidity`, and the proof still passes the time checks at `now`.
    func facts(
        chainSHA256: String, stapleAt path: String, at now: Date, assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> StapleFacts? {
        factsNotingLink(chainSHA256: chainSHA256, stapleAt: path, at: now, assumedValidity: assumedValidity)?.facts
    }

    /// `facts`, and whether the staple path's last component was seen to be no symlink
    /// (`FileBytes.readNotingLink`), for the revocation probe beside it (`ledgerIsSilent`).
    func factsNotingLink(
        chainSHA256: String, stapleAt path: String, at now: Date, assumedValidity: TimeInterval = Timing.defaultAssumedValidity
    ) -> (facts: StapleFacts, stapleIsPlain: Bool?)? {
        guard chainRules == CertificateChain.rulesVersion, chainSHA256 == self.chainSHA256,
            nextUpdate != nil || self.assumedValidity == assumedValidity
        else { return nil }
        let read = FileBytes.readNotingLink(path, maximum: LocalFileLimit.bytes)
        guard case .success(let stapleBytes) = read.bytes, Self.digest(stapleBytes) == stapleSHA256, let facts = facts(at: now) else {
            return nil
        }
        return (facts, read.lastComponentPlain)
    }

    /// The facts, if the recorded proof still passes the verifier's time checks at `now`
    /// (`ProofTimeWindow`, against the effective expiry derived when it was verified). A proof
    /// ahead of the clock (stepped back since it was verified) is judged at the moment it
    /// became valid, as `StapleOnDisk` judges the file: it is still that proof. Nil for a
    /// record without the signer's notAfter (older ones): the caller takes the full path.
    public func facts(at now: Date) -> StapleFacts? {
        guard let signerNotAfter, let limit = VerifiedStaple.ExpiryLimit(rawValue: expiryLimit) else { return nil }
        let window = ProofTimeWindow(
            thisUpdate: thisUpdate, nextUpdate: nextUpdate, signerNotBefore: signerNotBefore, signerNotAfter: signerNotAfter,
            leafNotAfter: nil, assumedValidity: assumedValidity ?? Timing.defaultAssumedValidity)
        let moment = max(now, thisUpdate, signerNotBefore)
        let derived = ProofTimeWindow.Expiry(date: effectiveExpiry, limit: limit)
        guard case .success = window.verdict(at: moment, derivedExpiry: derived) else { return nil }
        return StapleFacts(
            status: .good, thisUpdate: thisUpdate, nextUpdate: nextUpdate, effectiveExpiry: effectiveExpiry,
            expiryLimit: limit, singleIndex: singleIndex, singleResponseCount: singleResponseCount,
            certIDHashAlgorithm: certIDHashAlgorithm, assumedValidity: nextUpdate == nil ? assumedValidity : nil)
    }

    var leaf: LeafIdentity {
        LeafIdentity(subject: leafSubject, serialNumber: leafSerialNumber, mustStaple: leafMustStaple)
    }
}

/// The certificate a log line names.
public struct LeafIdentity: Sendable {
    public var subject: String
    public var serialNumber: String
    public var mustStaple: Bool
}

extension LeafIdentity {
    init(_ certificate: Certificate) {
        self.init(subject: certificate.subject, serialNumber: certificate.serialNumber, mustStaple: certificate.mustStaple)
    }
}
