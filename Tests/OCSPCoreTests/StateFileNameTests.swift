import Testing

@testable import OCSPCore

/// Which names in the state folder are state files: ASCII names are judged by their bytes,
/// every answer the same as the rule on Characters gives.
@Suite struct StateFileNameTests {
    static func byCharacters(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.hasPrefix(".") && !name.contains(AtomicFileWriter.temporaryMarker)
    }

    @Test(arguments: [
        ("leaf-1.der-0123456789abcdef.json", true), (".json", false), ("json", false), ("a.json", true), (".a.json", false),
        ("a.json.ocspd-tmp-locked", false), ("a.ocspd-tmp-x.json", false), ("a.ocspd-tmp.json", true), ("a.JSON", false),
        ("a.json ", false), ("", false), ("revoked-ab-01", false), ("caf\u{E9}.json", true), ("\u{0600}.json", false),
        ("a.json\u{301}", false), ("x\u{301}.ocspd-tmp-1.json", false),
    ])
    func aNameIsAStateFileExactlyWhenTheRuleOnCharactersSaysSo(name: String, expected: Bool) {
        #expect(StateCollection.isStateFileName(name) == expected)
        #expect(StateCollection.isStateFileName(name) == Self.byCharacters(name))
    }
}
