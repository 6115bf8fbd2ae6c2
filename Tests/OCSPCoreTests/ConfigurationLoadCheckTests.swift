import Foundation
import Testing
import Yams

@testable import OCSPCore

/// The load's cheaper checks answer what the long ways answer: the chain check what
/// `FileBytes.read` answers, the keyed lookups of large mappings what Yams answers, the
/// remembered identities what `OutputIdentity.of` answers, the load's expansion `expansion()`.
@Suite struct ConfigurationLoadCheckTests {
    /// Files of every kind, in one folder and in several, so that both the whole-path opens
    /// and the opens from a folder's descriptor are taken.
    static func fileKinds() throws -> (root: String, names: [String]) {
        let root = try TestPKI.scratchFolder("load-file-check")
        let files = FileManager.default
        try files.createDirectory(atPath: "\(root)/folder/inner", withIntermediateDirectories: true)
        try Data("chain".utf8).write(to: URL(fileURLWithPath: "\(root)/folder/chain.pem"))
        try Data().write(to: URL(fileURLWithPath: "\(root)/folder/empty.pem"))
        try Data(count: LocalFileLimit.bytes + 1).write(to: URL(fileURLWithPath: "\(root)/folder/large.pem"))
        #expect(mkfifo("\(root)/folder/fifo.pem", 0o600) == 0)
        try files.createSymbolicLink(atPath: "\(root)/folder/link.pem", withDestinationPath: "\(root)/folder/chain.pem")
        try files.createSymbolicLink(atPath: "\(root)/folder/dangling.pem", withDestinationPath: "\(root)/folder/none.pem")
        try files.createSymbolicLink(atPath: "\(root)/folder/to-folder", withDestinationPath: "\(root)/folder/inner")
        try files.createSymbolicLink(atPath: "\(root)/folder/to-proc", withDestinationPath: "/proc/self/status")
        try files.createSymbolicLink(atPath: "\(root)/linked", withDestinationPath: "\(root)/folder")
        let names = [
            "folder/chain.pem", "folder/empty.pem", "folder/large.pem", "folder/fifo.pem", "folder/link.pem",
            "folder/dangling.pem", "folder/to-folder", "folder/to-proc", "folder/missing.pem", "folder/inner",
            "folder/chain.pem/x", "folder/chain.pem/", "folder/", "folder/.", "folder/..", "linked/chain.pem",
            "linked/link.pem", "missing/chain.pem", "folder//chain.pem", "folder/./chain.pem",
        ]
        return (root, names)
    }

    @Test func theChainCheckAnswersWhatFileBytesAnswers() throws {
        let (root, names) = try Self.fileKinds()
        let system = ["/proc/self/status", "/dev/null", "/", "/proc/self/fd"]
        // Each file twice in a row, then all in order, then from folder to folder.
        let paths = names.flatMap { ["\(root)/\($0)", "\(root)/\($0)"] } + names.map { "\(root)/\($0)" } + system
        var check = LoadFileCheck()
        for path in paths + paths.reversed() {
            let (failure, plain) = check.check(path, maximum: LocalFileLimit.bytes)
            let expected: FileReadError?
            if case .failure(let error) = FileBytes.read(path, maximum: LocalFileLimit.bytes) { expected = error } else { expected = nil }
            #expect(failure == expected, "\(path)")
            var status = stat()
            if let plain {
                #expect(lstat(path, &status) == 0, "\(path)")
                #expect(plain == (status.st_mode & S_IFMT != S_IFLNK), "\(path)")
            }
        }
    }

    @Test func theChainCheckKnowsWhichChainsAreNotLinks() throws {
        let (root, _) = try Self.fileKinds()
        var check = LoadFileCheck()
        #expect(check.check("\(root)/folder/chain.pem", maximum: LocalFileLimit.bytes).lastComponentPlain == true)
        #expect(check.check("\(root)/folder/link.pem", maximum: LocalFileLimit.bytes).lastComponentPlain == false)
        #expect(check.check("\(root)/folder/dangling.pem", maximum: LocalFileLimit.bytes).lastComponentPlain == false)
        #expect(check.check("\(root)/folder/missing.pem", maximum: LocalFileLimit.bytes).lastComponentPlain == nil)
    }

    /// Paths opened from a folder's descriptor are the files the whole paths name.
    @Test func filesOpenedFromTheirFolderAreTheFilesTheirPathsName() throws {
        let (root, names) = try Self.fileKinds()
        let descriptors = LoadDescriptors()
        for name in names + names {
            let path = "\(root)/\(name)"
            let opened = descriptors.open(path, flags: O_PATH | O_CLOEXEC | O_NOFOLLOW)
            let whole = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW)
            #expect((opened >= 0) == (whole >= 0), "\(path)")
            var first = stat()
            var second = stat()
            if opened >= 0, whole >= 0 {
                #expect(fstat(opened, &first) == 0 && fstat(whole, &second) == 0)
                #expect(first.st_ino == second.st_ino && first.st_dev == second.st_dev, "\(path)")
            }
            var linkFirst = stat()
            var linkSecond = stat()
            #expect(descriptors.linkStatus(path, &linkFirst) == lstat(path, &linkSecond), "\(path)")
            #expect(linkFirst.st_ino == linkSecond.st_ino, "\(path)")
            if opened >= 0 { close(opened) }
            if whole >= 0 { close(whole) }
        }
    }

    @Test(arguments: [Resolver.default, Resolver.basic])
    func keyedLookupsInLargeMappingsAnswerWhatYamsAnswers(resolver: Resolver) throws {
        let text = """
            {chain: a, 'output': b, !!str target: c, !custom hook: d, ! nonce: e, path: f, 1: g, issuer: h, responder: i,
             jitter: j, "refresh-at": k}
            """
        let mapping = try #require(try Yams.compose(yaml: text, resolver)?.mapping)
        #expect(mapping.count > KeyedMapping.scannedKeys)
        for key in ["chain", "output", "target", "hook", "nonce", "path", "1", "issuer", "responder", "jitter", "refresh-at", "missing"] {
            #expect(KeyedMapping(mapping)[key: key] == mapping[key], "\(key)")
        }
    }

    @Test func pathKeysAreEqualAndHashAlikeExactlyWhenTheirBytesAre() {
        let spellings = ["/a/b", "/a/b/", "/a/caf\u{E9}", "/a/cafe\u{301}", "", "/"]
        for left in spellings {
            for right in spellings {
                #expect((PathKey(left) == PathKey(right)) == (Array(left.utf8) == Array(right.utf8)), "\(left) \(right)")
            }
            #expect(Set([PathKey(left), PathKey(left)]).count == 1)
            #expect(PathKey(left).hashValue == PathKey(bytes: Array(left.utf8)).hashValue)
        }
        #expect(Set(spellings.map(PathKey.init)).count == spellings.count)
    }

    /// A resolver that remembers each path answers what one that does not answers.
    /// Last components looked at ahead, on every core, give the identities a look each time gives.
    @Test func identitiesLookedAtAheadAreOutputIdentities() throws {
        let (root, names) = try Self.fileKinds()
        let paths = names.map { "\(root)/\($0)" }
        var ahead = OutputIdentityResolver()
        ahead.lookAhead(at: paths + paths)
        for path in paths {
            #expect(ahead.identity(of: path) == OutputIdentity.of(path), "\(path)")
        }
    }

    @Test func rememberedIdentitiesAreOutputIdentities() throws {
        let (root, names) = try Self.fileKinds()
        var remembering = OutputIdentityResolver(remembersPaths: true)
        for name in names + names {
            let path = "\(root)/\(name)"
            #expect(remembering.identity(of: path) == OutputIdentity.of(path), "\(path)")
        }
    }

    /// The load's expansion is `expansion()`; a change to the entries forgets it.
    @Test func theLoadsExpansionIsTheExpansion() throws {
        let root = try TestPKI.scratchFolder("load-expansion")
        let files = FileManager.default
        try files.createDirectory(atPath: "\(root)/crt", withIntermediateDirectories: true)
        for name in ["a.pem", "b.pem", "c.pem"] { try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/crt/\(name)")) }
        let text = """
            staples:
              - chain: \(root)/crt/a.pem
                output: \(root)/crt/a.pem.ocsp
            directories:
              - path: \(root)/crt
            """
        var configuration = try ConfigurationLoader.parse(text, path: "\(root)/ocspd.yaml")
        let loaded = configuration.expansionAtLoad()
        let now = configuration.expansion()
        #expect(loaded.jobs.map(\.outputPath) == now.jobs.map(\.outputPath))
        #expect(loaded.failures.map(\.message) == now.failures.map(\.message))
        #expect(!loaded.failures.isEmpty)
        configuration.directories = []
        #expect(configuration.loadedExpansion == nil)
        #expect(configuration.expansionAtLoad().jobs.map(\.outputPath) == ["\(root)/crt/a.pem.ocsp"])
        let listed = try ConfigurationLoader.parse(
            "staples:\n  - chain: \(root)/crt/a.pem\n    output: \(root)/a.der\n", path: "\(root)/ocspd.yaml")
        #expect(listed.expansionAtLoad().jobs.map(\.outputPath) == listed.expansion().jobs.map(\.outputPath))
    }

    /// An entry naming only its chain and output takes the defaults as they are, and a
    /// problem the defaults make for every entry is still reported for every entry.
    @Test func entriesWithoutSettingsTakeTheDefaultsAndTheirProblems() throws {
        let root = try TestPKI.scratchFolder("load-defaults")
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/a.pem"))
        let entries = "staples:\n  - chain: \(root)/a.pem\n    output: \(root)/a.der\n  - {output: \(root)/b.der, chain: \(root)/a.pem}\n"
        let good = try ConfigurationLoader.parse("defaults: { target: haproxy, jitter: 10% }\n" + entries, path: "\(root)/c.yaml")
        #expect(good.staples.map(\.policy.target) == [.haproxy, .haproxy])
        #expect(good.staples.map(\.timing.jitter) == [0.1, 0.1])
        do {
            _ = try ConfigurationLoader.parse("defaults: { backoff-min: 2h, backoff-max: 1h }\n" + entries, path: "\(root)/c.yaml")
            Issue.record("a backoff-min larger than backoff-max was accepted")
        } catch {
            #expect(
                Set(error.problems.map(\.keyPath)) == ["defaults.backoff-min", "staples[0].backoff-min", "staples[1].backoff-min"])
        }
    }
}
