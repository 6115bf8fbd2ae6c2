import Foundation

/// Whether the staple of a chain removed from a watched folder may be removed: pure, on
/// facts gathered under the staple's lock.
///
/// ocspd removes only a file it can tie to itself: the state of that very output records,
/// in its verified record, the SHA-256 of the staple bytes ocspd last wrote or verified
/// there as the proof for that chain. Bytes that differ are someone else's (an operator's
/// own file of that name, written since), or a proof ocspd holds no record of (a revoked
/// one, which is not recorded): those stay.
public enum RemovedChainStaple {
    public struct Facts: Sendable, Equatable {
        public var target: Target
        /// The second look found the chain file still gone.
        public var chainGone: Bool
        /// SHA-256 (hex) of the regular file at the staple's name, nil when nothing is there.
        public var stapleSHA256: String?
        /// SHA-256 (hex) of the staple ocspd recorded for this output, nil without a believable record.
        public var recordedSHA256: String?
        /// The staple's name is a link (the operator's: ocspd never makes one), followed to the file.
        public var nameIsLink: Bool

        public init(target: Target, chainGone: Bool, stapleSHA256: String?, recordedSHA256: String?, nameIsLink: Bool = false) {
            self.target = target
            self.chainGone = chainGone
            self.stapleSHA256 = stapleSHA256
            self.recordedSHA256 = recordedSHA256
            self.nameIsLink = nameIsLink
        }
    }

    public enum Verdict: Equatable, Sendable, CustomStringConvertible {
        case remove
        /// The chain is back (a renewal that deleted and wrote it again): maintained again.
        case chainBack
        case nothingThere
        /// nginx fails its next reload on a missing file; generic promises to remove nothing.
        case targetNeverRemoves(Target)
        /// ocspd holds no record of the bytes it put there.
        case noRecord
        /// The file is not the proof ocspd last put or verified there.
        case notOurs
        /// The name is the operator's link: ocspd wrote through it, but the file it leads to
        /// is where the operator put it, and may be read under other names.
        case nameIsLink

        public var description: String {
            switch self {
            case .remove: return "removed"
            case .chainBack: return "the chain is back"
            case .nothingThere: return "no staple was there"
            case .targetNeverRemoves(let target):
                return "left in place: target \(target) never removes a staple (nginx fails its next reload without one)"
            case .noRecord:
                return
                    "left in place: ocspd holds no record of writing it (no state for it, or a proof it does not record), so it may be someone else's"
            case .notOurs:
                return "left in place: it is not the proof ocspd last wrote there, so it is someone else's"
            case .nameIsLink:
                return "left in place: its name is a link ocspd did not make, and the file it leads to may be read under other names"
            }
        }
    }

    public static func verdict(_ facts: Facts) -> Verdict {
        guard facts.chainGone else { return .chainBack }
        guard let staple = facts.stapleSHA256 else { return .nothingThere }
        switch facts.target {
        case .nginx, .generic: return .targetNeverRemoves(facts.target)
        case .exim, .haproxy: break
        }
        if facts.nameIsLink { return .nameIsLink }
        guard let recorded = facts.recordedSHA256 else { return .noRecord }
        return recorded == staple ? .remove : .notOurs
    }
}
