import Foundation
import Testing

@testable import OCSPCore

/// The direct reader of state files (`StapleState.fromStateJSON`) gives exactly the state
/// JSONDecoder gives for the same bytes, or nothing (and then JSONDecoder reads them).
struct StateJSONTests {
    /// As `StateStore.save` encodes.
    static func encoded(_ state: StapleState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(state))
    }

    /// What `StateStore.load` decoded every file with before the direct reader.
    static func general(_ bytes: [UInt8]) -> StapleState? {
        try? StateDates.decoder().decode(StapleState.self, from: Data(bytes))
    }

    /// The direct reader either declines or agrees with JSONDecoder, byte for byte (Swift's
    /// `==` on strings would let canonically equivalent spellings pass: the states are
    /// compared by their encodings too).
    static func agrees(_ bytes: [UInt8]) throws -> Bool {
        guard let direct = StapleState.fromStateJSON(bytes) else { return true }
        guard let general = general(bytes) else { return false }
        return try direct == general && encoded(direct) == encoded(general)
    }

    static func date(_ text: String) -> Date { StateDates.parse(text)! }

    /// Every field set, as ocspd writes them after a good refresh with an issuer fetched,
    /// an alert delivered, a revocation seen.
    static func full() -> StapleState {
        var state = StapleState(outputPath: "/srv/out/mail.example.org.der")
        state.lastAttempt = date("2026-11-29T19:07:11Z")
        state.lastSuccess = date("2026-11-29T19:07:11Z")
        state.consecutiveFailures = 3
        state.nextAttempt = date("2026-11-30T05:23:44Z")
        state.revokedCertificates = ["81339e94/10000000", "aa/01"]
        state.issuer = .init(source: "http://ca.example/int.der", der: Data([0x30, 0x82, 0x01, 0xff, 0x00]))
        state.certificate = "81339e9406e93405b6d7e57ae9832add036a1cf40883d5b902c7bbc0f7374521/10000000"
        state.requests = ["http://127.0.0.1:47392": 1, "http://ocsp.example/": 12]
        state.failures = ["http://ocsp.example/ timeout": 2]
        state.verified = record()
        state.alert = FailureAlert(failing: .stapleExpiring, lastFailing: date("2026-11-28T00:00:00Z"))
        state.chainPath = "/srv/chains/mail.pem"
        state.host = "vm"
        return state
    }

    static func record() -> VerifiedRecord {
        let json = """
            {"certIDHashAlgorithm": "sha1", "chainRules": 2, "chainSHA256": "c950", "effectiveExpiry": "2026-11-30T19:07:11Z",
            "expiryLimit": "nextUpdate", "leafHasResponder": true, "leafMustStaple": false, "leafSerialNumber": "10000000",
            "leafSubject": "CN=bench.example.test", "nextUpdate": "2026-11-30T19:07:11Z", "revocationName": "8133-10000000",
            "signerNotAfter": "2026-12-02T18:59:02Z", "signerNotBefore": "2026-11-29T18:59:02Z", "singleIndex": 0,
            "singleResponseCount": 1, "stapleSHA256": "e14f", "thisUpdate": "2026-11-29T19:07:11Z", "assumedValidity": 86400}
            """
        return try! StateDates.decoder().decode(VerifiedRecord.self, from: Data(json.utf8))
    }

    @Test func aFullStateIsReadDirectlyAsJSONDecoderReadsIt() throws {
        let bytes = try Self.encoded(Self.full())
        let direct = try #require(StapleState.fromStateJSON(bytes))
        #expect(direct == Self.full())
        #expect(try Self.agrees(bytes))
        #expect(direct.verified?.assumedValidity == 86400)
    }

    /// Each optional field left out in turn (as older ocspd wrote them), and all of them.
    @Test(arguments: Array(0...13))
    func everyOptionalFieldMayBeMissing(field: Int) throws {
        var state = Self.full()
        switch field {
        case 0: state.lastAttempt = nil
        case 1: state.lastSuccess = nil
        case 2: state.nextAttempt = nil
        case 3: state.issuer = nil
        case 4: state.certificate = nil
        case 5: state.verified = nil
        case 6: state.alert = nil
        case 7: state.chainPath = nil
        case 8: state.host = nil
        case 9: state.verified?.nextUpdate = nil
        case 10: state.verified?.assumedValidity = nil
        case 11: state.verified?.signerNotAfter = nil
        case 12: state.verified?.revocationName = nil
        default: state = StapleState(outputPath: "/o")
        }
        let bytes = try Self.encoded(state)
        #expect(StapleState.fromStateJSON(bytes) == state)
        #expect(try Self.agrees(bytes))
    }

    /// Keys older files lack (the encoder writes some of them always), taken out of the
    /// text, which JSONSerialization writes again in its own spacing.
    @Test(arguments: [
        ["consecutiveFailures"], ["revokedCertificates"], ["requests"], ["failures"], ["verified", "chainRules"], ["alert", "failing"],
        ["alert", "lastFailing"],
    ])
    func keysOlderFilesLackAreReadAsJSONDecoderReadsThem(path: [String]) throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(try Self.encoded(Self.full()))) as? [String: Any])
        if path.count == 1 {
            object[path[0]] = nil
        } else {
            var inner = try #require(object[path[0]] as? [String: Any])
            inner[path[1]] = nil
            object[path[0]] = inner
        }
        let bytes = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        #expect(Self.general(bytes) != nil)
        #expect(StapleState.fromStateJSON(bytes) != nil)
        #expect(try Self.agrees(bytes))
    }

    /// Each key of a verified record taken out: the optional ones are read, the required
    /// ones (JSONDecoder drops the record) are left to JSONDecoder.
    @Test(arguments: [
        "assumedValidity", "certIDHashAlgorithm", "chainRules", "chainSHA256", "effectiveExpiry", "expiryLimit", "leafHasResponder",
        "leafMustStaple", "leafSerialNumber", "leafSubject", "nextUpdate", "revocationName", "signerNotAfter", "signerNotBefore",
        "singleIndex", "singleResponseCount", "stapleSHA256", "thisUpdate",
    ])
    func aRecordWithoutARequiredKeyIsLeftToJSONDecoder(key: String) throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(try Self.encoded(Self.full()))) as? [String: Any])
        var record = try #require(object["verified"] as? [String: Any])
        record[key] = nil
        object["verified"] = record
        let bytes = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        let optional = ["assumedValidity", "chainRules", "nextUpdate", "revocationName", "signerNotAfter"].contains(key)
        #expect((StapleState.fromStateJSON(bytes) != nil) == optional)
        #expect((Self.general(bytes)?.verified != nil) == optional)
        #expect(try Self.agrees(bytes))
    }

    @Test(arguments: [
        "/a/b\"c\\d/e", "/tab\tnew\nline\r\u{8}\u{c}", "/nul\u{0}unit\u{1f}del\u{7f}", "/café/e\u{301}/😀/\u{2028}", "", " ",
        "/日本語/ファイル.der", "\\/\\/",
    ])
    func stringsWithEscapesAndNonASCIIAreReadExactly(text: String) throws {
        var state = Self.full()
        state.outputPath = text
        state.chainPath = text
        state.requests = [text: 1]
        state.revokedCertificates = [text, text + "x"]
        state.verified?.leafSubject = text
        let bytes = try Self.encoded(state)
        let direct = try #require(StapleState.fromStateJSON(bytes))
        #expect(Array(direct.outputPath.unicodeScalars) == Array(text.unicodeScalars))
        #expect(try Self.agrees(bytes))
    }

    /// Texts that are not what ocspd writes: the direct reader declines each (JSONDecoder
    /// then reads it or rejects it as it always did).
    @Test(arguments: [
        #"{"outputPath": "/o", "other": 1}"#, #"{"outputPath": null}"#, #"{"outputPath": "/o", "lastAttempt": null}"#,
        #"{"outputPath": "/o", "consecutiveFailures": -1}"#, #"{"outputPath": "/o", "consecutiveFailures": 1.0}"#,
        #"{"outputPath": "/o", "consecutiveFailures": 1e2}"#, #"{"outputPath": "/o", "consecutiveFailures": 01}"#,
        #"{"outputPath": "/o", "consecutiveFailures": 1234567890123456789}"#, #"{"outputPath": "/o",}"#,
        #"{"outputPath": "/o" "host": "h"}"#, #"{"outputPath": "/o", "outputPath": "/p"}"#, #"{"outputPath": "/\ud83d\ude00"}"#,
        #"{"outputPath": "/\ud800"}"#, #"{"outputPath": "/\x"}"#, "{\"outputPath\": \"/\u{1}\"}", #"{"outputPath": "/o"} x"#,
        #"{"outputPath": "/o"}{}"#, #"{"host": "h"}"#, #"["outputPath"]"#,
        #"{"outputPath": "/o", "lastAttempt": "2026-11-29T19:07:11.5Z"}"#,
        #"{"outputPath": "/o", "lastAttempt": "2026-11-29T20:07:11+01:00"}"#, #"{"outputPath": "/o", "host": 1}"#,
        #"{"outputPath": "/o", "requests": {"a": 1, "a": 2}}"#, #"{"outputPath": "/o", "requests": {"a": -1}}"#,
        #"{"outputPath": "/o", "revokedCertificates": ["a",]}"#, #"{"outputPath": "/o", "verified": {}}"#,
        #"{"outputPath": "/o", "alert": {"failing": "unknown"}}"#, #"{"outputPath": "/o", "issuer": {"source": "s"}}"#,
        #"{"outputPath": "/o", "issuer": {"source": "s", "der": "!!"}}"#, "\u{feff}{\"outputPath\": \"/o\"}", "",
        #"{"output\u0050ath": "/o"}"#, #"{"outputPath": "/o", "ho\u0073t": "h"}"#,
        #"{"outputPath": "/o", "lastAttempt": "2026-11-29T19:07:11\u005a"}"#, #"{"outputPath": "/o", "consecutiveFailures": true}"#,
    ])
    func otherTextsAreLeftToJSONDecoder(text: String) throws {
        let bytes = Array(text.utf8)
        #expect(StapleState.fromStateJSON(bytes) == nil)
    }

    /// Texts JSON allows that ocspd does not write the same way: read, and as JSONDecoder reads them.
    @Test(arguments: [
        #"{"outputPath":"/o"}"#, " \r\n\t{ \"outputPath\" : \"/o\" } \n", #"{"outputPath": "/\u00e9\/x\u0000\u001F"}"#,
        #"{"outputPath": "/o", "consecutiveFailures": 0, "requests": {}, "revokedCertificates": []}"#,
        #"{"outputPath": "/o", "alert": {}}"#, #"{"outputPath": "/o", "issuer": {"der": "", "source": ""}}"#,
    ])
    func otherSpellingsAreReadAsJSONDecoderReadsThem(text: String) throws {
        let bytes = Array(text.utf8)
        #expect(StapleState.fromStateJSON(bytes) != nil)
        #expect(try Self.agrees(bytes))
    }

    /// No prefix of a state file is read (a file cut short by a crash is JSONDecoder's to reject).
    @Test func truncatedFilesAreNeverRead() throws {
        let bytes = try Self.encoded(Self.full())
        for count in 0..<bytes.count where !bytes[count...].allSatisfy({ $0 == 0x0A || $0 == 0x20 }) {
            #expect(StapleState.fromStateJSON(Array(bytes[..<count])) == nil, "prefix of \(count) bytes")
        }
    }

    /// Any one byte of a state file changed: the direct reader declines or agrees with JSONDecoder.
    @Test func everyOneByteChangeIsDeclinedOrReadAsJSONDecoderReadsIt() throws {
        let bytes = try Self.encoded(Self.full())
        let replacements: [UInt8] = [0x00, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x31, 0x5C, 0x7D, 0x80, 0xFF, 0x6E]
        for index in bytes.indices {
            for replacement in replacements where replacement != bytes[index] {
                var changed = bytes
                changed[index] = replacement
                #expect(try Self.agrees(changed), "byte \(index) set to \(replacement)")
            }
        }
    }

    /// Random states, encoded as ocspd encodes them, read by both decoders.
    @Test func randomStatesRoundTripThroughBothDecoders() throws {
        var random = SplitMix(seed: 16)
        var directlyRead = 0
        for _ in 0..<400 {
            let state = RandomState.make(&random)
            let bytes = try Self.encoded(state)
            #expect(try Self.agrees(bytes))
            if StapleState.fromStateJSON(bytes) != nil { directlyRead += 1 }
        }
        // Most are in the form ocspd writes (dates from 1970 on, integers within 18 digits).
        #expect(directlyRead > 150)
    }
}

/// A deterministic generator for the property test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Random states with the awkward values: escapes, non-ASCII, huge counts, old and far dates.
enum RandomState {
    static let pieces = [
        "a", "Z", "0", "/", "\"", "\\", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "e\u{301}", "😀", "\u{2028}", " ", ".", ":",
    ]

    static func text(_ random: inout SplitMix) -> String {
        (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func date(_ random: inout SplitMix) -> Date? {
        switch Int.random(in: 0...39, using: &random) {
        case 0...9: return nil
        case 10: return Date(timeIntervalSince1970: Double.random(in: -5e9...0, using: &random).rounded())
        case 11: return Date(timeIntervalSince1970: Double.random(in: 0...4e11, using: &random))
        default: return Date(timeIntervalSince1970: Double(Int.random(in: 0...253_402_300_799, using: &random)))
        }
    }

    static func count(_ random: inout SplitMix) -> Int {
        Int.random(in: 0...15, using: &random) != 0 ? Int.random(in: 0...100, using: &random) : Int.random(in: 0...Int.max, using: &random)
    }

    static func make(_ random: inout SplitMix) -> StapleState {
        var state = StapleState(outputPath: text(&random))
        state.lastAttempt = date(&random)
        state.lastSuccess = date(&random)
        state.nextAttempt = date(&random)
        state.consecutiveFailures = Int.random(in: 0...3, using: &random) == 0 ? count(&random) : 0
        state.revokedCertificates = (0..<Int.random(in: 0...2, using: &random)).map { _ in text(&random) }
        state.certificate = Bool.random(using: &random) ? text(&random) : nil
        state.chainPath = Bool.random(using: &random) ? text(&random) : nil
        state.host = Bool.random(using: &random) ? text(&random) : nil
        for _ in 0..<Int.random(in: 0...3, using: &random) { state.requests[text(&random)] = count(&random) }
        for _ in 0..<Int.random(in: 0...2, using: &random) { state.failures[text(&random)] = count(&random) }
        if Bool.random(using: &random) {
            let der = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            state.issuer = .init(source: text(&random), der: Data(der))
        }
        if Int.random(in: 0...3, using: &random) == 0 {
            state.alert = FailureAlert(
                failing: [nil, .consecutiveFailures, .stapleExpiring].randomElement(using: &random)!, lastFailing: date(&random))
        }
        if Int.random(in: 0...4, using: &random) != 0 { state.verified = record(&random) }
        return state
    }

    static func record(_ random: inout SplitMix) -> VerifiedRecord {
        var record = StateJSONTests.record()
        record.chainSHA256 = text(&random)
        record.chainRules = Int.random(in: 1...3, using: &random)
        record.thisUpdate = date(&random) ?? Date(timeIntervalSince1970: 0)
        record.nextUpdate = date(&random)
        record.assumedValidity = [nil, nil, nil, 86400, 86400, 0, 0.5, 1e20, 3600.25].randomElement(using: &random)!
        record.effectiveExpiry = date(&random) ?? Date(timeIntervalSince1970: 1)
        record.singleIndex = count(&random)
        record.signerNotAfter = date(&random)
        record.leafSubject = text(&random)
        record.leafMustStaple = Bool.random(using: &random)
        record.revocationName = Bool.random(using: &random) ? text(&random) : nil
        return record
    }
}
