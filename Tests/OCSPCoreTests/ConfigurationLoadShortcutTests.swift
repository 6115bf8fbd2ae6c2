import Foundation
import Testing
import Yams

@testable import OCSPCore

/// The shortcuts that make loading 10,000 entries cheap answer what the long ways answer.
@Suite struct ConfigurationLoadShortcutTests {
    /// Every key ocspd looks up resolves to `!!str` (what `Node.Mapping[key:]` relies on).
    @Test func everyKnownKeyResolvesToAString() {
        let keys = ConfigurationLoader.topKeys.union(ConfigurationLoader.stapleKeys).union(ConfigurationLoader.directoryKeys)
        for key in keys {
            #expect(Node(key).tag.rawValue == Tag.Name.str.rawValue, "\(key)")
        }
    }

    @Test(arguments: [Resolver.default, Resolver.basic])
    func keyedLookupsAnswerWhatYamsAnswers(resolver: Resolver) throws {
        let text = "{chain: a, 'output': b, !!str target: c, !custom hook: d, ! nonce: e, path: f, 1: g}"
        let mapping = try #require(try Yams.compose(yaml: text, resolver)?.mapping)
        for key in ["chain", "output", "target", "hook", "nonce", "path", "1", "missing"] {
            #expect(KeyedMapping(mapping)[key: key] == mapping[key], "\(key)")
            #expect(mapping[key: key] == mapping[key], "\(key)")
        }
    }

    /// (Not `a/` nor `.`: Foundation's `deletingLastPathComponent` traps on them, before and
    /// after this change; the shortcut leaves both to it.)
    @Test(arguments: [
        "/a/b/c.der", "a/b.der", "./b.der", "../b.der", "b.der", "/b.der", "/", "a//b.der", "/a/b/", "//b", "/a/./b",
        "/a/../b", "café/é.der",
    ])
    func theOutputFolderIsWhatFoundationAnswers(path: String) {
        #expect(ConfigurationReader.folder(of: path) == (path as NSString).deletingLastPathComponent)
    }

    /// Files, folders, links to each, dangling links, `.` and `..`, relative paths.
    @Test func resolvedIdentitiesAreOutputIdentities() throws {
        let root = try TestPKI.scratchFolder("identity-shortcut")
        let files = FileManager.default
        try files.createDirectory(atPath: "\(root)/real/sub", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/real/file.der"))
        try files.createSymbolicLink(atPath: "\(root)/linked", withDestinationPath: "\(root)/real")
        try files.createSymbolicLink(atPath: "\(root)/real/link.der", withDestinationPath: "\(root)/real/file.der")
        try files.createSymbolicLink(atPath: "\(root)/real/dangling.der", withDestinationPath: "\(root)/real/none.der")
        let paths = [
            "real/file.der", "real/missing.der", "linked/file.der", "linked/missing.der", "real/link.der", "linked/link.der",
            "real/dangling.der", "real/sub", "real/sub/", "real/.", "real/..", "real/sub/..", "real//file.der", "real/./file.der",
            "nofolder/x.der", "nofolder/deeper/x.der", "real/file.der/x", "linked", "file-here.der", "..",
        ]
        // Relative spellings too, from the working folder (changing it would race other tests).
        let up = String(repeating: "../", count: files.currentDirectoryPath.split(separator: "/").count)
        var resolver = OutputIdentityResolver()
        for path in paths + ["."] {
            for spelled in ["\(root)/\(path)", "\(up)\(root.dropFirst())/\(path)", path] {
                #expect(resolver.identity(of: spelled) == OutputIdentity.of(spelled), "\(spelled)")
            }
        }
    }
}
