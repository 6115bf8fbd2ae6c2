import Foundation

/// Which state files the collection may forget: pure, on the facts the state folder's
/// listing gives (a name, its last write) and what the configuration maintains now.
///
/// A state file is forgotten only when its output is not configured here and nothing has
/// written it for `forgetAfter`: its own last write (mtime) is the judge, so another host
/// sharing the state folder that still maintains the output keeps it alive by refreshing it.
public enum StateCollection {
    /// `forget-after`'s default: a week, well beyond any refresh interval, so a state file a
    /// live ocspd (this host or another) maintains is never judged abandoned.
    public static let defaultForgetAfter: TimeInterval = 7 * 86_400

    /// The shortest `forget-after` accepted: a day, longer than any staple's refresh interval
    /// in practice, so the state of an output another host maintains is written again well before.
    public static let minimumForgetAfter: TimeInterval = 86_400

    /// What the configuration maintains now, as state files and as outputs.
    public struct Configured: Sendable {
        /// The state file names (`StateStore.key(for:)` + `.json`) of the configured outputs.
        public var stateNames: Set<String>
        /// The configured outputs, absolute, by their bytes.
        public var outputs: Set<PathKey>

        public init(stateNames: Set<String>, outputs: Set<PathKey>) {
            self.stateNames = stateNames
            self.outputs = outputs
        }
    }

    public enum Verdict: Equatable, Sendable {
        /// Not a staple's state file (a revocation record, the counter ledger, a temp file).
        case notStateFile
        /// Its output is configured here.
        case configured
        /// Not configured, but written within `forgetAfter` (or, after a clock step, in the future).
        case recent(forgetOn: Date)
        /// Not configured and untouched for `forgetAfter`.
        case abandoned
    }

    /// Whether a name in the state folder is a staple's state file by its name alone.
    public static func isStateFileName(_ name: String) -> Bool {
        // ASCII names (every name ocspd gives a state file) by their bytes: one character is
        // one byte there, and String's `contains` searches through Foundation, a tenth of the
        // time of listing 10,000 state files.
        var name = name
        if let answer = name.withUTF8({ bytes in bytes.allSatisfy { $0 < 0x80 } ? isASCIIStateFileName(bytes) : nil }) {
            return answer
        }
        return name.hasSuffix(".json") && !name.hasPrefix(".") && !name.contains(AtomicFileWriter.temporaryMarker)
    }

    private static func isASCIIStateFileName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let suffix = Array(".json".utf8)
        let marker = Array(AtomicFileWriter.temporaryMarker.utf8)
        guard bytes.count >= suffix.count, bytes.suffix(suffix.count).elementsEqual(suffix), bytes.first != UInt8(ascii: ".") else {
            return false
        }
        guard bytes.count >= marker.count else { return true }
        return !(0...(bytes.count - marker.count)).contains { start in bytes[start..<(start + marker.count)].elementsEqual(marker) }
    }

    /// The verdict on the file `name`, last written at `modified`, for `output` (the path the
    /// file records; nil when not read yet: judged by name alone), whose next attempt is
    /// planned for `plannedAttempt`. A host maintaining the output writes its state at each
    /// attempt, not in between: a proof valid 14 days is refreshed after 7 ± 1.4, so the grace
    /// runs from the later of the last write and the planned attempt.
    public static func verdict(
        name: String, output: String?, modified: Date, plannedAttempt: Date? = nil, configured: Configured, at now: Date,
        forgetAfter: TimeInterval
    ) -> Verdict {
        guard isStateFileName(name) else { return .notStateFile }
        if configured.stateNames.contains(name) { return .configured }
        // Keys made by other rules (an older ocspd) name a configured output by its record.
        if let output, configured.outputs.contains(PathKey(output)) { return .configured }
        let forgetOn = max(modified, plannedAttempt ?? modified).addingTimeInterval(forgetAfter)
        return now >= forgetOn ? .abandoned : .recent(forgetOn: forgetOn)
    }
}
