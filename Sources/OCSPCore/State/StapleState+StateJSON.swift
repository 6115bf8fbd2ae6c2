import Foundation

extension StapleState {
    /// The state in `bytes` when they hold exactly what `StateStore.save` writes (any
    /// spacing and key order): every key one `init(from:)` reads, each once, with a value of
    /// the kind ocspd writes (`StateJSONReader`). Nil for anything else (an unknown key, a
    /// `null`, a number ocspd does not write, a date in another form, a file that is not
    /// JSON), and `StateStore.load` then decodes the file with JSONDecoder as before, so a
    /// state this returns is always the one JSONDecoder returns for the same bytes. At
    /// thousands of fresh staples, JSONDecoder's Codable machinery was most of what each
    /// state file cost.
    static func fromStateJSON(_ bytes: [UInt8]) -> StapleState? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = StateJSONReader(buffer)
            var fields = StapleStateFields()
            guard reader.object(names: StapleStateFields.names, { fields.read($1, from: &$0) }), reader.atEnd() else { return nil }
            return fields.state
        }
    }
}

/// Which keys an object held, each allowed once.
struct SeenKeys {
    private var seen: UInt32 = 0

    /// Whether key number `bit` comes for the first time (and now it has).
    mutating func first(_ bit: Int) -> Bool {
        let mask: UInt32 = 1 << bit
        guard seen & mask == 0 else { return false }
        seen |= mask
        return true
    }

    func contains(_ bit: Int) -> Bool { seen & (1 << bit) != 0 }
}

/// The members of a state file's top object, as `StapleState.init(from:)` reads them.
private struct StapleStateFields {
    private var decoded = StapleState(outputPath: "")
    private var seen = SeenKeys()

    /// The state, once the object had its one required key (`outputPath`).
    var state: StapleState? { seen.contains(10) ? decoded : nil }

    /// The keys `init(from:)` reads, numbered by their place here: sorted, as ocspd writes them.
    static let names: [StaticString] = [
        "alert", "certificate", "chainPath", "consecutiveFailures", "failures", "host", "issuer", "lastAttempt", "lastSuccess",
        "nextAttempt", "outputPath", "requests", "revokedCertificates", "verified",
    ]

    mutating func read(_ key: Int, from reader: inout StateJSONReader) -> Bool {
        switch key {
        case 0: return set(0, FailureAlert.read(from: &reader)) { $0.alert = $1 }
        case 1: return set(1, reader.string()) { $0.certificate = $1 }
        case 2: return set(2, reader.string()) { $0.chainPath = $1 }
        case 3: return set(3, reader.integer()) { $0.consecutiveFailures = max(0, $1) }
        case 4: return set(4, reader.counts()) { $0.failures = CounterArithmetic.plausible($1) ?? [:] }
        case 5: return set(5, reader.string()) { $0.host = $1 }
        case 6: return set(6, StapleState.CachedIssuer.read(from: &reader)) { $0.issuer = $1 }
        case 7: return set(7, reader.date()) { $0.lastAttempt = $1 }
        case 8: return set(8, reader.date()) { $0.lastSuccess = $1 }
        case 9: return set(9, reader.date()) { $0.nextAttempt = $1 }
        case 10: return set(10, reader.string()) { $0.outputPath = $1 }
        // Counts ocspd never writes (a negative one) make the set someone else's: dropped.
        case 11: return set(11, reader.counts()) { $0.requests = CounterArithmetic.plausible($1) ?? [:] }
        case 12: return set(12, reader.strings()) { $0.revokedCertificates = $1 }
        default: return set(13, VerifiedRecord.read(from: &reader)) { $0.verified = $1 }
        }
    }

    /// Stores the value of key number `bit`, read only when the key comes for the first time.
    private mutating func set<Value>(_ bit: Int, _ value: @autoclosure () -> Value?, _ store: (inout StapleState, Value) -> Void) -> Bool {
        guard seen.first(bit), let value = value() else { return false }
        store(&decoded, value)
        return true
    }
}

extension StapleState.CachedIssuer {
    /// `{"der": base64, "source": text}`, the Data read as JSONDecoder's `.base64` reads it.
    static func read(from reader: inout StateJSONReader) -> Self? {
        var source: String?
        var der: Data?
        let read = reader.object(names: ["source", "der"]) { reader, key in
            if key == 0 {
                guard source == nil else { return false }
                source = reader.string()
                return source != nil
            }
            guard der == nil else { return false }
            der = reader.string().flatMap { Data(base64Encoded: $0) }
            return der != nil
        }
        guard read, let source, let der else { return nil }
        return Self(source: source, der: der)
    }
}

extension FailureAlert {
    /// `{"failing": reason, "lastFailing": date}`, both optional.
    static func read(from reader: inout StateJSONReader) -> Self? {
        var alert = FailureAlert()
        var seen = SeenKeys()
        let read = reader.object(names: ["failing", "lastFailing"]) { reader, key in
            guard seen.first(key) else { return false }
            if key == 0 {
                guard let reason = reader.string().flatMap(FailureEvents.Reason.init(rawValue:)) else { return false }
                alert.failing = reason
            } else {
                guard let date = reader.date() else { return false }
                alert.lastFailing = date
            }
            return true
        }
        return read ? alert : nil
    }
}
