import Foundation

extension VerifiedRecord {
    /// A record as `init(from:)` reads it, from an object holding every key that reads, each
    /// once, with a value of the kind ocspd writes; nil for anything else (see
    /// `StapleState.fromStateJSON`).
    static func read(from reader: inout StateJSONReader) -> VerifiedRecord? {
        var fields = VerifiedRecordFields()
        guard reader.object(names: VerifiedRecordFields.names, { fields.read($1, from: &$0) }) else { return nil }
        return fields.record
    }

    /// Every field empty, for `VerifiedRecordFields` to fill.
    fileprivate init() {
        chainSHA256 = ""
        chainRules = 1
        stapleSHA256 = ""
        thisUpdate = .distantPast
        effectiveExpiry = .distantPast
        expiryLimit = ""
        singleIndex = 0
        singleResponseCount = 0
        certIDHashAlgorithm = ""
        signerNotBefore = .distantPast
        leafSubject = ""
        leafSerialNumber = ""
        leafMustStaple = false
        leafHasResponder = false
    }
}

/// The members of a `verified` object.
private struct VerifiedRecordFields {
    private var decoded = VerifiedRecord()
    private var seen = SeenKeys()

    /// The keys `init(from:)` requires (`decode`, not `decodeIfPresent`), by number: all but
    /// assumedValidity, chainRules, nextUpdate, revocationName and signerNotAfter.
    private static let required = [1, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17]

    /// The record, once the object had every required key.
    var record: VerifiedRecord? { Self.required.allSatisfy(seen.contains) ? decoded : nil }

    /// The keys `init(from:)` reads, numbered by their place here: sorted, as ocspd writes them.
    static let names: [StaticString] = [
        "assumedValidity", "certIDHashAlgorithm", "chainRules", "chainSHA256", "effectiveExpiry", "expiryLimit", "leafHasResponder",
        "leafMustStaple", "leafSerialNumber", "leafSubject", "nextUpdate", "revocationName", "signerNotAfter", "signerNotBefore",
        "singleIndex", "singleResponseCount", "stapleSHA256", "thisUpdate",
    ]

    mutating func read(_ key: Int, from reader: inout StateJSONReader) -> Bool {
        switch key {
        // Whole seconds, as ocspd writes a validity: an integer within 18 digits is exact.
        case 0: return set(0, reader.integer()) { $0.assumedValidity = TimeInterval($1) }
        case 1: return set(1, reader.string()) { $0.certIDHashAlgorithm = $1 }
        case 2: return set(2, reader.integer()) { $0.chainRules = $1 }
        case 3: return set(3, reader.string()) { $0.chainSHA256 = $1 }
        case 4: return set(4, reader.date()) { $0.effectiveExpiry = $1 }
        case 5: return set(5, reader.string()) { $0.expiryLimit = $1 }
        case 6: return set(6, reader.bool()) { $0.leafHasResponder = $1 }
        case 7: return set(7, reader.bool()) { $0.leafMustStaple = $1 }
        case 8: return set(8, reader.string()) { $0.leafSerialNumber = $1 }
        case 9: return set(9, reader.string()) { $0.leafSubject = $1 }
        case 10: return set(10, reader.date()) { $0.nextUpdate = $1 }
        case 11: return set(11, reader.string()) { $0.revocationName = $1 }
        case 12: return set(12, reader.date()) { $0.signerNotAfter = $1 }
        case 13: return set(13, reader.date()) { $0.signerNotBefore = $1 }
        case 14: return set(14, reader.integer()) { $0.singleIndex = $1 }
        case 15: return set(15, reader.integer()) { $0.singleResponseCount = $1 }
        case 16: return set(16, reader.string()) { $0.stapleSHA256 = $1 }
        default: return set(17, reader.date()) { $0.thisUpdate = $1 }
        }
    }

    /// Stores the value of key number `bit`, read only when the key comes for the first time.
    private mutating func set<Value>(_ bit: Int, _ value: @autoclosure () -> Value?, _ store: (inout VerifiedRecord, Value) -> Void) -> Bool
    {
        guard seen.first(bit), let value = value() else { return false }
        store(&decoded, value)
        return true
    }
}
