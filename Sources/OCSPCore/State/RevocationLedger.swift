import Foundation
import Synchronization

/// Revocations ocspd has seen, kept apart from the per-staple state so that nothing that
/// happens to the state (a full disk, a corrupt file, "start fresh", a cleanup, another
/// `--state-dir`) can make ocspd forget one and write a "good" proof after it.
///
/// One small file per certificate, keyed by the certificate (SHA-256 of its issuer's key and
/// its serial), not by the output, in two places:
/// - the state folder (`revoked-HASH-SERIAL`): every output of the certificate sees it;
/// - the staple's own folder (`.ocspd-revoked-HASH-SERIAL`): every ocspd writing that output
///   sees it, whatever its state folder. A dot-name, as HAProxy loads every other file of a
///   `crt` folder, and Exim and nginx read only the file they are given.
///
/// A record is written and fsynced before anything acts on the revocation; its existence is
/// the record (the content is for people). Nothing ever removes one. A record that exists but
/// cannot be read counts as a revocation: the safe direction.
public struct RevocationLedger: Sendable {
    public let stateDirectory: String
    public let outputPath: String

    public init(stateDirectory: String, outputPath: String) {
        self.stateDirectory = stateDirectory
        self.outputPath = outputPath
    }

    /// What the ledger knows about one certificate.
    public enum Knowledge: Equatable, Sendable {
        case notRevoked
        /// A record says so (the first path found).
        case revoked(record: String)
        /// Seen by this process, but no record could be written yet.
        case revokedUnrecorded
        /// A record is there but cannot be read: treated as revoked.
        case unreadable(record: String, reason: String)

        public var isRevoked: Bool { self != .notRevoked }
    }

    /// Revocations this process saw but could not record anywhere: still refused for as long
    /// as it runs (the daemon), and recorded as soon as a write succeeds.
    private static let unrecorded = Mutex<Set<String>>([])

    static func certificateName(_ subject: StapleSubject) -> String {
        let keyHash = subject.issuer.issuerHashes(algorithm: "sha256")?.keyHash ?? []
        let serial = subject.leaf.serialNumber.filter { $0.isHexDigit }
        return "\(Hex.string(keyHash))-\(serial)"
    }

    /// Where the records of `subject` live: the state folder's first, then the output folder's.
    public func recordPaths(for subject: StapleSubject) -> [String] {
        let name = Self.certificateName(subject)
        // The folder as resolved, so writers naming it through different symlinks share the record.
        let outputFolder = StateStore.canonical((StateStore.absolute(outputPath) as NSString).deletingLastPathComponent)
        return ["\(stateDirectory)/revoked-\(name)", "\(outputFolder)/.ocspd-revoked-\(name)"]
    }

    public func knowledge(of subject: StapleSubject) -> Knowledge {
        for path in recordPaths(for: subject) {
            switch FileBytes.read(path, maximum: 1 << 16) {
            case .success: return .revoked(record: path)
            case .failure(.missing): continue
            case .failure(let reason): return .unreadable(record: path, reason: reason.description)
            }
        }
        let name = Self.certificateName(subject)
        return Self.unrecorded.withLock { $0.contains(name) } ? .revokedUnrecorded : .notRevoked
    }

    /// The outcome of recording: where it was written and what failed.
    public struct Recorded: Sendable {
        public var written: [String] = []
        public var failures: [StapleWriteError] = []
        /// At least one durable record exists now.
        public var isDurable: Bool { !written.isEmpty }
    }

    /// Writes (and fsyncs) every record of `subject` that is missing. Records already there are
    /// left as they are.
    public func record(_ subject: StapleSubject, seenAt moment: Date) -> Recorded {
        var result = Recorded()
        let text = """
            ocspd: a valid revoked OCSP proof was seen for this certificate; ocspd never writes a good proof for it again.
            certificate: \(subject.leaf.subject), serial \(subject.leaf.serialNumber)
            issuer: \(subject.issuer.subject)
            seen: \(RFC3339.string(moment)) while refreshing \(StateStore.absolute(outputPath))

            """
        for path in recordPaths(for: subject) {
            if case .success = FileBytes.read(path, maximum: 1 << 16) {
                result.written.append(path)
                continue
            }
            do {
                try StapleWriter.write(Array(text.utf8), to: path, temporary: .unique, durability: .synced)
                result.written.append(path)
            } catch {
                result.failures.append(error)
            }
        }
        let name = Self.certificateName(subject)
        Self.unrecorded.withLock { set in
            if result.isDurable { set.remove(name) } else { set.insert(name) }
        }
        return result
    }
}
