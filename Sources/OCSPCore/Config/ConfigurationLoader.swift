import Foundation
import Yams

/// Reads the YAML configuration. Every unknown key, wrong type and missing file is reported
/// at once, with the file, the key path and the line, before anything is fetched.
///
/// A problem with the document itself refuses the whole configuration. A file or folder an
/// entry names that is missing or unreadable now (a deleted chain, an output folder not yet
/// made) is that entry's problem only: it is listed in `Configuration.fileProblems`, which
/// `--check-config` refuses and the other commands log, and the entry fails when it runs
/// while every other entry proceeds.
///
///     state-dir: /var/lib/ocspd
///     watch-interval: 5m
///     defaults:
///       target: exim
///       expiry-margin: 5m
///     staples:
///       - chain: /etc/exim4/tls/mail.pem
///         output: /var/lib/ocspd/staples/mail.der
///     directories:
///       - path: /etc/haproxy/crt
///         hook: [/usr/local/sbin/haproxy-ocsp-update]
public enum ConfigurationLoader {
    static let entryKeys: Set<String> = [
        "target", "expiry-margin", "issuer", "responder", "responder-cert", "nonce", "hook", "hook-timeout",
        "refresh-at", "jitter", "min-interval", "deadline-min", "deadline-fraction", "backoff-min", "backoff-max", "warning-fraction",
        "assume-validity", "refresh-budget", "max-responder-urls", "on-revoked", "on-failure", "failure-threshold", "failure-hook-interval",
    ]
    /// The keys of a `staples:` entry and of a `directories:` entry: made once, not per entry.
    static let stapleKeys = entryKeys.union(["chain", "output"])
    static let directoryKeys = entryKeys.union(["path", "output-dir"])
    static let topKeys: Set<String> = [
        "state-dir", "watch-interval", "refuse-private-addresses", "max-concurrent", "max-per-responder",
        "responder-rate", "failure-hooks-per-round", "forget-after", "defaults", "staples", "directories",
    ]

    /// - Parameter keepingChainDigests: keep each listed chain's digest as read
    ///   (`Configuration.chainDigestsAtLoad`), for a run right after the load.
    public static func load(path: String, keepingChainDigests: Bool = false) throws(ConfigurationError) -> Configuration {
        let text: String
        switch ConfigurationFile.read(path) {
        case .failure(let refusal):
            throw ConfigurationError(problems: [.init(file: path, keyPath: "", line: nil, message: refusal.description)])
        case .success(let bytes):
            text = try utf8Text(bytes, path: path)
        }
        return try parse(text, path: path, keepingChainDigests: keepingChainDigests)
    }

    /// The configuration `text` holds; `path` names the file in every problem.
    public static func parse(_ text: String, path: String, keepingChainDigests: Bool = false) throws(ConfigurationError) -> Configuration {
        var reader = ConfigurationReader(file: path)
        reader.files.digesting = keepingChainDigests
        // The listed files are checked while the document is parsed, when its text says which.
        let early = TextPrecheck(text: text, maximum: LocalFileLimit.bytes, digesting: keepingChainDigests)
        let top = try topMapping(text, reader: &reader)
        reader.checkKeys(top, allowed: topKeys, at: "")
        var configuration = Configuration(
            stateDirectory: StateStore.defaultDirectory,
            watchInterval: Configuration.defaultWatchInterval, staples: [], directories: [])
        reader.applyGlobalKeys(top, to: &configuration)
        reader.precheck =
            early.precheck ?? ChainPrecheck.start(top[key: "staples"], maximum: LocalFileLimit.bytes, digesting: keepingChainDigests)
        let defaults = reader.defaults(top)
        let staples = reader.staples(top, defaults: defaults)
        let directories = reader.directories(top, defaults: defaults)
        configuration.staples = staples.jobs
        configuration.directories = directories.map(\.source)
        if configuration.staples.isEmpty && configuration.directories.isEmpty && reader.problems.isEmpty {
            reader.problem("", nil, "no entries; list at least one under staples: or directories:")
        }
        let expansion = reader.checkOneEntryPerOutput(
            staples: staples.outputs, configuration: configuration, directories: directories.map(\.place))
        guard reader.problems.isEmpty else {
            throw ConfigurationError(problems: (reader.problems + reader.fileProblems).sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        configuration.fileProblems = reader.fileProblems
        configuration.loadedExpansion = expansion
        configuration.chainDigestsAtLoad = reader.chainDigests
        return configuration
    }

    /// The document's top-level mapping; a document that is not valid YAML, empty or not a
    /// mapping refuses the whole configuration.
    private static func topMapping(_ text: String, reader: inout ConfigurationReader) throws(ConfigurationError) -> KeyedMapping {
        let path = reader.file
        let root: Node?
        do {
            // Tags are not resolved (`Resolver.basic`): ocspd reads every value as its text, and
            // the default resolver runs regular expressions over every key (Yams hashes each
            // to find duplicates), 60% of the parse. Duplicates are still keys with one text
            // and one tag: every key ocspd knows resolves to `!!str` either way.
            root = try Yams.compose(yaml: text, Resolver.basic)
        } catch {
            throw ConfigurationError(problems: [
                .init(file: path, keyPath: "", line: syntaxLine(error), message: "not valid YAML: \(error)")
            ])
        }
        guard let root, let top = reader.mapping(root, at: "") else {
            throw ConfigurationError(
                problems: reader.problems.isEmpty
                    ? [.init(file: path, keyPath: "", line: nil, message: "empty; list at least one entry under staples: or directories:")]
                    : reader.problems)
        }
        return top
    }

    /// The text, when the bytes are UTF-8 as YAML requires. Decoding with replacement would
    /// turn a path's stray byte into U+FFFD and name a file that is not the one written.
    static func utf8Text(_ bytes: [UInt8], path: String) throws(ConfigurationError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let line = lines.firstIndex { String(validating: $0, as: UTF8.self) == nil }.map { $0 + 1 }
        throw ConfigurationError(problems: [
            .init(
                file: path, keyPath: "", line: line,
                message:
                    "not UTF-8 text (YAML must be UTF-8); a path with bytes in another encoding cannot be named here, rename the "
                    + "file or link to it under a UTF-8 name"
            )
        ])
    }

    private static func syntaxLine(_ error: any Error) -> Int? {
        if case YamlError.scanner(_, _, let mark, _) = error { return mark.line }
        if case YamlError.parser(_, _, let mark, _) = error { return mark.line }
        return nil
    }
}
