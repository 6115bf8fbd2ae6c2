import Foundation
import Testing
import Yams

@testable import OCSPCore

/// The text's hint of each `staples:` entry's files: exact in the shape configuration
/// management writes, silent (nil) where it is not sure, and never another text than the
/// parsed document's at the same position.
@Suite struct ListedFilesHintTests {
    typealias Entry = ListedFilesHint.Entry

    static let written = """
        state-dir: /var/lib/ocspd
        staples:
          - chain: /etc/ssl/a.pem
            output: /var/lib/ocspd/a.der
          - chain: /etc/ssl/b c.pem
            output: /var/lib/ocspd/b.der
        directories:
          - path: /etc/haproxy/crt
        """

    @Test func theShapeConfigurationManagementWritesIsReadExactly() throws {
        let hint = try #require(ListedFilesHint.scan(Self.written))
        #expect(hint.map(\.chain) == ["/etc/ssl/a.pem", "/etc/ssl/b c.pem"])
        #expect(hint.map(\.output) == ["/var/lib/ocspd/a.der", "/var/lib/ocspd/b.der"])
    }

    @Test(
        arguments: [
            (
                "a list at the first column", "staples:\n- chain: /a\n  output: /b\n- output: /d\n  chain: /c\n",
                [("/a", "/b"), ("/c", "/d")]
            ),
            (
                "other keys and a nested list", "staples:\n  - chain: /a\n    target: nginx\n    hook:\n      - /bin/x\n    output: /b\n",
                [("/a", "/b")]
            ),
            ("blank and comment lines", "staples:\n\n  # mail\n  - chain: /a\n\n    output: /b\n", [("/a", "/b")]),
            ("a quoted chain", "staples:\n  - chain: '/a'\n    output: /b\n", [(nil, "/b")]),
            ("a comment after a value", "staples:\n  - chain: /a # old\n    output: /b\n", [(nil, "/b")]),
            ("an alias", "staples:\n  - chain: *mail\n    output: /b\n", [(nil, "/b")]),
            ("a block scalar", "staples:\n  - chain: |\n      /a\n    output: /b\n", [(nil, "/b")]),
            ("an entry without its files", "staples:\n  - target: exim\n  - chain: /a\n", [(nil, nil), ("/a", nil)]),
        ] as [(String, String, [(String?, String?)])])
    func eachEntryIsHintedOrLeftOut(_ name: String, _ text: String, _ expected: [(String?, String?)]) throws {
        let hint = try #require(ListedFilesHint.scan(text), "\(name)")
        #expect(hint.map(\.chain) == expected.map(\.0), "\(name)")
        #expect(hint.map(\.output) == expected.map(\.1), "\(name)")
    }

    @Test(arguments: [
        ("no staples key", "directories:\n  - path: /a\n"),
        ("a flow list", "staples: [{chain: /a, output: /b}]\n"),
        ("a comment after the key", "staples: # listed\n  - chain: /a\n"),
        ("a tab", "staples:\n\t- chain: /a\n"),
        ("carriage returns", "staples:\r\n  - chain: /a\r\n"),
        ("an item's value on its own line", "staples:\n  -\n    chain: /a\n"),
        ("keys at another indentation", "staples:\n  - chain: /a\n   output: /b\n"),
    ])
    func anotherLayoutGivesNoHint(_ name: String, _ text: String) {
        #expect(ListedFilesHint.scan(text) == nil, "\(name)")
    }

    /// Whatever the hint says of an entry is what the parsed document says there.
    @Test(arguments: [
        Self.written,
        "staples:\n- chain: /a\n  output: /b\n- chain: /c:d\n  output: /e\n",
        "staples:\n  - chain: /a\n    hook: [/bin/x, y]\n    output: /b\n  - chain: /x.pem\n",
        "state-dir: /s\nstaples:\n  - chain: /é/ü.pem\n    output: /o-1.der\n  - { chain: /f, output: /g }\n  - chain: /h\n",
    ])
    func aHintedTextIsTheParsedText(_ text: String) throws {
        let hint = try #require(ListedFilesHint.scan(text))
        let list = try #require(try Yams.compose(yaml: text, Resolver.basic)?.mapping?["staples"]?.sequence)
        #expect(hint.count == list.count)
        for (entry, node) in zip(hint, list) {
            if let chain = entry.chain { #expect(node.mapping?["chain"]?.string == chain) }
            if let output = entry.output { #expect(node.mapping?["output"]?.string == output) }
        }
    }
}
