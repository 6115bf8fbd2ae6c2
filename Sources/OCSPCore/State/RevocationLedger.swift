import Foundation
import Synchronization

/// Revocations ocspd has seen, kept apart from the per-staple state so that nothing that
/// happens to the state (a full disk, a corrupt file, "start fresh", a cleanup, another
/// `--state-dir`) can make ocspd forget one and write a "good" proof after it.
///
/// One small file per certificate, keyed by the certificate (SHA-256 of its issuer's key and
/// its serial), not by the output, in two places:
/// - the state folder (`revoked-HASH-SERIAL`): every output of the certificate sees it;
/// - the folder the staple really is in, as the path resolver reached it
///   (`.ocspd-revoked-HASH-SERIAL`): every ocspd writing that output sees it, whatever its
///   state folder. A dot-name, as HAProxy loads every other file of a `crt` folder, and Exim
///   and nginx read only the file they are given.
///
/// A record holds the signed revoked proof (`RevocationEvidence`) and counts only while that
/// proof verifies: whoever can write one of the folders cannot make a good certificate
/// "revoked" with a file of their own. A record that is missing, unreadable, not a regular
/// file or does not verify is no revocation, and is never copied anywhere. Records are read
/// and written through the safe path layer (no untrusted link, any path length), written and
/// fsynced before anything acts on the revocation, and never removed.
public struct RevocationLedger: Sendable {
    public let stateDirectory: String
    public let outputPath: String

    public init(stateDirectory: String, outputPath: String) {
        self.stateDirectory = stateDirectory
        self.outputPath = outputPath
    }

    /// What the ledger holds about one certificate.
    public struct Reading: Sendable {
        /// Verified evidence: the record it was read from (nil: this process's memory) and its bytes.
        public var evidence: (record: String?, bytes: [UInt8])?
        /// Records that are there but are no evidence, with why.
        public var rejected: [(record: String, reason: String)] = []
        /// Where verified evidence is missing: written when evidence is at hand.
        public var lacking: [String] = []
        /// Records that verified.
        public var verified: [String] = []
        /// A verified record says the certificate's `on-revoked` hook was started (`markHookStarted`).
        public var hookStarted = false

        public var isRevoked: Bool { evidence != nil }
    }

    /// Revocations this process saw but could not record anywhere, with their evidence: still
    /// refused for as long as it runs (the daemon), and recorded as soon as a write succeeds.
    private static let unrecorded = Mutex<[String: [UInt8]]>([:])

    /// Whether this process saw a revocation of the certificate `name` that no record holds yet.
    static func remembersUnrecorded(_ name: String) -> Bool {
        unrecorded.withLock { $0[name] != nil }
    }

    static func certificateName(_ subject: StapleSubject) -> String {
        let keyHash = subject.issuer.issuerHashes(algorithm: "sha256")?.keyHash ?? []
        let serial = subject.leaf.serialNumber.filter { $0.isHexDigit }
        return "\(Hex.string(keyHash))-\(serial)"
    }

    /// Where the records of `subject` live: the state folder's first, then the one beside the
    /// staple in the folder the resolver really reaches (after links and `..`), when it can.
    public func recordPaths(for subject: StapleSubject) -> [String] {
        let name = Self.certificateName(subject)
        var paths = ["\(stateDirectory)/revoked-\(name)"]
        if case .success(let output) = PathResolver.resolve(outputPath) {
            paths.append(output.folder.shown(".ocspd-revoked-\(name)"))
        }
        return paths
    }

    public func read(_ subject: StapleSubject) -> Reading {
        var reading = Reading()
        for path in recordPaths(for: subject) {
            switch SafeFileRead.readWithStatus(path, maximum: LocalFileLimit.revocationRecord) {
            case .failure(.missing):
                reading.lacking.append(path)
            case .failure(let reason):
                reading.rejected.append((path, reason.description))
                reading.lacking.append(path)
            case .success(let (bytes, status)):
                switch RevocationEvidence.verify(bytes, for: subject) {
                case .success:
                    reading.verified.append(path)
                    // The proof is the CA's, whoever wrote the file; the mark is not signed: only
                    // a record ocspd would believe as its own (`StateFileTrust`) says the hook
                    // ran, and copies of another are made without it.
                    let ours = StateFileTrust.believable(status)
                    if ours, RevocationEvidence.saysHookStarted(bytes) { reading.hookStarted = true }
                    if reading.evidence == nil { reading.evidence = (path, ours ? bytes : RevocationEvidence.withoutHookMark(bytes)) }
                case .failure(let problem):
                    reading.rejected.append((path, problem.description))
                    reading.lacking.append(path)
                }
            }
        }
        if reading.evidence == nil, let remembered = Self.unrecorded.withLock({ $0[Self.certificateName(subject)] }) {
            reading.evidence = (nil, remembered)
        }
        return reading
    }

    /// The outcome of recording: where it was written and what failed.
    public struct Recorded: Sendable {
        public var written: [String] = []
        public var failures: [AtomicWriteError] = []
        /// At least one durable record exists now.
        public var isDurable: Bool { !written.isEmpty }
    }

    /// Writes (and fsyncs) `evidence`, a verified record (`RevocationEvidence`), wherever
    /// `reading` found none. Verified records already there are left as they are.
    public func record(_ evidence: [UInt8], for subject: StapleSubject, where reading: Reading) -> Recorded {
        var result = Recorded(written: reading.verified)
        for path in reading.lacking {
            do {
                try AtomicFileWriter.write(evidence, as: .revocationRecord, to: path, temporary: .unique, durability: .synced)
                result.written.append(path)
            } catch {
                result.failures.append(error)
            }
        }
        let name = Self.certificateName(subject)
        Self.unrecorded.withLock { remembered in
            if result.isDurable { remembered[name] = nil } else { remembered[name] = evidence }
        }
        return result
    }

    /// The lock taken while the `on-revoked` hook of `subject` is marked and run, in the state
    /// folder beside its record; never removed, as the record.
    public func hookLockPath(for subject: StapleSubject) -> String {
        "\(stateDirectory)/revoked-\(Self.certificateName(subject)).lock"
    }

    /// Marks every record of `subject` (fsynced) as having had its `on-revoked` hook started,
    /// before the hook starts: a crash in between errs on not running it twice. The marked
    /// record is the verified evidence `reading` holds with one more header line; it verifies
    /// as before, and copies made of it later carry the mark.
    public func markHookStarted(for subject: StapleSubject, where reading: Reading, at moment: Date) -> Recorded {
        guard let evidence = reading.evidence?.bytes else { return Recorded() }
        let marked = RevocationEvidence.markingHookStarted(evidence, at: moment, while: outputPath)
        var everywhere = Reading()
        everywhere.lacking = reading.verified + reading.lacking
        return record(marked, for: subject, where: everywhere)
    }
}
