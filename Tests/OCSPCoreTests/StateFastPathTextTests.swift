import Foundation
import Testing

@testable import OCSPCore

/// The ASCII shortcuts for state file names (`StateKeyText`) and the date reader of state
/// files (`StateDates`) give exactly what the general rules give.
struct StateFastPathTextTests {
    /// The general rules, as `StateStore.absolute` and `key` wrote them before the shortcuts.
    static func generalAbsolute(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func generalName(_ absolute: String) -> String {
        absolute.split(separator: "/").last.map(String.init)?.filter { $0.isLetter || $0.isNumber || "._-".contains($0) } ?? ""
    }

    @Test(arguments: [
        ("/a/b/c.der", true), ("/", false), ("/a//b", false), ("/a/./b", false), ("/a/../b", false), ("/a/b/", false),
        ("/a/b/.", false), ("/a/b/..", false), ("/a/.../b", true), ("/a/.hidden", true), ("/a/..x", true), ("a/b", false),
        ("", false), ("/é/b", false), ("/a/b c/d", true), ("//a", false), ("/a\r\n/b", true),
    ])
    func plainAbsolutePathsAreTheirOwnAbsoluteForm(path: String, plain: Bool) {
        #expect(StateKeyText.isPlainAbsolute(path) == plain)
        if plain { #expect(Self.generalAbsolute(path) == path) }
    }

    @Test(arguments: [
        "/srv/out/mail.example.org.der", "/a/b/c d+e=f~g.pem.ocsp", "/", "/x/UPPER_lower-09.ext", "/a/b/!@#$%^&*()",
        "/a/tab\there", "/a/cr\r\nlf",
    ])
    func readableNamesOfASCIIPathsAreTheGeneralOnes(path: String) {
        #expect(StateKeyText.readableName(ofAbsolute: path) == Self.generalName(path))
    }

    @Test func nonASCIIPathsTakeTheGeneralRules() {
        #expect(StateKeyText.readableName(ofAbsolute: "/a/café.der") == nil)
        #expect(StateStore(directory: "/tmp").key(for: "/a/café.der").hasPrefix("café.der-"))
        #expect(StateStore.absolute("/a/./é/../b") == "/a/b")
    }

    @Test(arguments: [
        "2026-11-29T17:59:52Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2100-02-28T12:00:00Z", "2024-12-31T23:59:59Z",
        "2031-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-03-01T00:00:00Z", "1999-12-31T23:59:59Z",
    ])
    func canonicalDatesAreTheInstantsISO8601Gives(text: String) throws {
        let general = try Date.ISO8601FormatStyle().parse(text)
        #expect(StateDates.parse(text) == general)
    }

    @Test(arguments: [
        "2026-11-29T17:59:52.5Z", "2026-11-29T17:59:52+01:00", "2100-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-29T24:00:00Z", "2026-11-29T23:60:00Z", "2026-11-29T23:59:60Z", "1969-12-31T23:59:59Z", "2026-11-29 17:59:52Z",
        "2026-1a-29T17:59:52Z", "", "2026-11-29T17:59:52z",
    ])
    func otherTextsAreLeftToISO8601(text: String) {
        #expect(StateDates.parse(text) == nil)
    }

    /// Whatever the text, the state decoder reads a date as the `.iso8601` strategy does.
    @Test(arguments: ["2026-11-29T17:59:52Z", "2026-11-29T17:59:52+01:00", "2026-11-29T17:59:52.25Z", "not a date", "2100-02-29T00:00:00Z"])
    func theStateDecoderReadsDatesAsISO8601Does(text: String) {
        struct Holder: Decodable, Equatable { let date: Date }
        let json = Data("{\"date\": \"\(text)\"}".utf8)
        let standard = JSONDecoder()
        standard.dateDecodingStrategy = .iso8601
        #expect((try? StateDates.decoder().decode(Holder.self, from: json)) == (try? standard.decode(Holder.self, from: json)))
    }
}
