import Foundation

/// The facts of a verified proof that the replacement rules compare: the policies' facts
/// and when the responder signed it (never-downgrade breaks a thisUpdate tie on it). Built
/// from a `VerifiedStaple`, or directly in tests, so the decisions are table-tested with
/// synthetic proofs.
public struct ProofFacts: Sendable, Hashable {
    public var facts: StapleFacts
    public var producedAt: Date

    public init(_ facts: StapleFacts, producedAt: Date) {
        self.facts = facts
        self.producedAt = producedAt
    }

    public init(_ staple: VerifiedStaple) {
        self.init(staple.facts, producedAt: staple.basic.producedAt)
    }

    public var status: CertStatus { facts.status }
}

/// `StapleOnDisk` as the decisions see it: the proof's facts in place of the proof.
public enum OnDiskFacts: Sendable, Hashable {
    case missing
    case unreadable(String)
    case valid(ProofFacts)
    case foreign
    case expired
    case unusable(String)

    public var validProof: ProofFacts? {
        if case .valid(let proof) = self { return proof }
        return nil
    }
}

extension StapleOnDisk {
    public var facts: OnDiskFacts {
        switch self {
        case .missing: return .missing
        case .unreadable(let reason): return .unreadable(reason)
        case .valid(let staple): return .valid(ProofFacts(staple))
        case .foreign: return .foreign
        case .expired: return .expired
        case .unusable(let reason): return .unusable(reason)
        }
    }
}
