import Foundation

/// What ocspd remembers about one staple between runs.
public struct StapleState: Codable, Sendable, Equatable {
    public var outputPath: String
    public var lastAttempt: Date?
    public var lastSuccess: Date?
    public var consecutiveFailures: Int
    /// When the next fetch is due: the scheduled refresh after a success, the backoff after a
    /// failure. Kept here so a restart during an outage causes no fetch storm.
    public var nextAttempt: Date?
    /// Certificates (`issuerKeyHash/serial`, hex) for which a valid revoked proof was seen.
    public var revokedCertificates: [String]
    public var issuer: CachedIssuer?
    /// The certificate (`issuerKeyHash/serial`) the last attempt was for: backoff belongs to it,
    /// and a renewed certificate is tried at once.
    public var certificate: String?
    /// Requests made, by responder URL, and failures, by `responder reason`: Prometheus counters.
    public var requests: [String: Int] = [:]
    public var failures: [String: Int] = [:]
    /// The good proof last verified in place, for judging it fresh without verifying it again.
    public var verified: VerifiedRecord?
    /// The `on-failure` events delivered (`FailureAlert`); absent in files older ocspd wrote.
    public var alert: FailureAlert?
    /// The chain file (absolute) the output was last refreshed for: the cleanup of a chain
    /// removed while no daemon watched (`GoneChainSweep`) acts only on an output that was that
    /// chain's. Absent in files older ocspd wrote.
    public var chainPath: String?
    /// The host that last refreshed the output (`StateStore.hostName`): on a state folder
    /// several hosts share, the sweep of removed chains acts only on this host's outputs (the
    /// chain folders are each host's own). Absent in files older ocspd wrote.
    public var host: String?

    private enum CodingKeys: String, CodingKey {
        case outputPath, lastAttempt, lastSuccess, consecutiveFailures, nextAttempt, revokedCertificates, issuer, certificate, requests,
            failures, verified, alert, chainPath, host
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        outputPath = try container.decode(String.self, forKey: .outputPath)
        lastAttempt = try container.decodeIfPresent(Date.self, forKey: .lastAttempt)
        lastSuccess = try container.decodeIfPresent(Date.self, forKey: .lastSuccess)
        consecutiveFailures = max(0, try container.decodeIfPresent(Int.self, forKey: .consecutiveFailures) ?? 0)
        nextAttempt = try container.decodeIfPresent(Date.self, forKey: .nextAttempt)
        revokedCertificates = try container.decodeIfPresent([String].self, forKey: .revokedCertificates) ?? []
        issuer = try container.decodeIfPresent(CachedIssuer.self, forKey: .issuer)
        certificate = try container.decodeIfPresent(String.self, forKey: .certificate)
        // Counts ocspd never writes (a negative one) make the set someone else's: dropped.
        requests = CounterArithmetic.plausible(try container.decodeIfPresent([String: Int].self, forKey: .requests) ?? [:]) ?? [:]
        failures = CounterArithmetic.plausible(try container.decodeIfPresent([String: Int].self, forKey: .failures) ?? [:]) ?? [:]
        verified = try? container.decodeIfPresent(VerifiedRecord.self, forKey: .verified)
        // One that cannot be read costs at most a repeated event, never the state.
        alert = try? container.decodeIfPresent(FailureAlert.self, forKey: .alert)
        chainPath = try? container.decodeIfPresent(String.self, forKey: .chainPath)
        host = try? container.decodeIfPresent(String.self, forKey: .host)
    }

    /// Saturating, as every count read from a file (`CounterArithmetic`).
    public mutating func countRequest(to responder: String) {
        requests[responder] = CounterArithmetic.adding(requests[responder] ?? 0, 1)
    }

    public mutating func countFailure(at responder: String, reason: String) {
        let key = "\(responder) \(reason)"
        failures[key] = CounterArithmetic.adding(failures[key] ?? 0, 1)
    }

    public struct CachedIssuer: Codable, Sendable, Equatable {
        /// Where it came from (a URL or a file), for messages.
        public var source: String
        public var der: Data
    }

    public init(outputPath: String) {
        self.outputPath = outputPath
        consecutiveFailures = 0
        revokedCertificates = []
    }

    /// How the state names a certificate (`revokedCertificates`, `certificate`): its
    /// issuer's SHA-256 key hash and its serial, in hex.
    static func issuerKeyHashAndSerial(_ subject: StapleSubject) -> String {
        let keyHash = subject.issuer.issuerHashes(algorithm: "sha256")?.keyHash ?? []
        return "\(Hex.string(keyHash))/\(subject.leaf.serialNumber)"
    }

    public func hasSeenRevocation(of subject: StapleSubject) -> Bool {
        revokedCertificates.contains(Self.issuerKeyHashAndSerial(subject))
    }

    public mutating func recordRevocation(of subject: StapleSubject) {
        let key = Self.issuerKeyHashAndSerial(subject)
        if !revokedCertificates.contains(key) { revokedCertificates.append(key) }
    }

    /// Drops what a run under a clock ahead of ours left (see `StoredPlan`): a next attempt
    /// no run at `now` could have planned, and last attempts and successes in the future.
    public mutating func discardIncrediblePlans(proofInPlace: StapleFacts?, at now: Date, timing: Timing) {
        nextAttempt = StoredPlan.credible(nextAttempt, proofInPlace: proofInPlace, at: now, timing: timing)
        lastSuccess = StoredPlan.past(lastSuccess, at: now)
        lastAttempt = StoredPlan.past(lastAttempt, at: now)
    }

    public mutating func recordSuccess(at now: Date, nextAttempt: Date) {
        lastAttempt = now
        lastSuccess = now
        consecutiveFailures = 0
        self.nextAttempt = nextAttempt
    }

    /// Counts the failure; `nextAttempt` is computed from the new count.
    public mutating func recordFailure(at now: Date, nextAttempt: (Int) -> Date) {
        lastAttempt = now
        consecutiveFailures = CounterArithmetic.adding(consecutiveFailures, 1)
        self.nextAttempt = nextAttempt(consecutiveFailures)
    }
}

/// Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS, 2015): the
/// delay after n failures is `floor` plus a uniform share of min(base·2^(n-1), cap − floor),
/// so many certificates behind one failing responder do not retry in lockstep. Never below
/// `floor`, never above `cap`. (Drawing in [0, base·2^(n-1)] and raising to `floor` would put
/// every first retry at exactly `floor`: the lockstep this exists to prevent.)
public struct Backoff: Sendable, Hashable {
    public var base: TimeInterval = 60
    public var cap: TimeInterval = 3600
    public var floor: TimeInterval = 60

    public init(base: TimeInterval = 60, cap: TimeInterval = 3600, floor: TimeInterval = 60) {
        self.base = base
        self.cap = cap
        self.floor = floor
    }

    /// How wide the random share is after `failures` failures.
    public func window(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        let grown = base * pow(2, Double(min(failures - 1, 30)))
        return max(0, min(grown, cap - floor))
    }

    public func delay(afterFailures failures: Int, random: inout some RandomNumberGenerator) -> TimeInterval {
        guard failures > 0 else { return 0 }
        return floor + UnitRandom.draw(&random) * window(afterFailures: failures)
    }
}
