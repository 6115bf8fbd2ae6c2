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
        "refresh-budget", "max-responder-urls",
    ]
    static let topKeys: Set<String> = [
        "state-dir", "watch-interval", "refuse-private-addresses", "max-concurrent", "max-per-responder",
        "responder-rate", "defaults", "staples", "directories",
    ]

    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let text: String
        switch ConfigurationFile.read(path) {
        case .failure(let refusal):
            throw ConfigurationError(problems: [.init(file: path, keyPath: "", line: nil, message: refusal.description)])
        case .success(let bytes):
            text = try utf8Text(bytes, path: path)
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> Configuration {
        var reader = Reader(file: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
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
        reader.checkKeys(top, allowed: topKeys, at: "")

        var configuration = Configuration(
            stateDirectory: StateStore.defaultDirectory,
            watchInterval: Configuration.defaultWatchInterval, staples: [], directories: [])
        if let node = top["state-dir"], let value = reader.string(node, at: "state-dir") {
            configuration.stateDirectory = value
        }
        if let node = top["watch-interval"], let value = reader.duration(node, at: "watch-interval") {
            configuration.watchInterval = max(1, value)
        }
        if let node = top["refuse-private-addresses"], let value = reader.bool(node, at: "refuse-private-addresses") {
            configuration.refusePrivateAddresses = value
        }
        if let node = top["max-concurrent"], let value = reader.count(node, at: "max-concurrent") {
            configuration.concurrency.global = value
        }
        if let node = top["max-per-responder"], let value = reader.count(node, at: "max-per-responder") {
            configuration.concurrency.perResponder = value
        }
        if let node = top["responder-rate"] {
            if let text = node.scalar?.string, let rate = Double(text), rate > 0 {
                configuration.concurrency.perResponderRate = rate
            } else {
                reader.problem("responder-rate", node, "expected requests per second per responder, such as 10 or 0.5")
            }
        }
        var defaults = RefreshJob(chainPath: "", outputPath: "")
        if let node = top["defaults"], let mapping = reader.mapping(node, at: "defaults") {
            reader.checkKeys(mapping, allowed: entryKeys, at: "defaults")
            reader.apply(mapping, to: &defaults, at: "defaults")
        }
        var stapleOutputs: [(output: String, keyPath: String, node: Node?)] = []
        var directoryPlaces: [(keyPath: String, node: Node?)] = []
        if let node = top["staples"], let list = reader.sequence(node, at: "staples") {
            for (index, item) in list.enumerated() {
                let at = "staples[\(index)]"
                guard let mapping = reader.mapping(item, at: at) else { continue }
                reader.checkKeys(mapping, allowed: entryKeys.union(["chain", "output"]), at: at)
                var job = defaults
                reader.apply(mapping, to: &job, at: at)
                guard let chain = reader.required(mapping, "chain", at: at), let output = reader.required(mapping, "output", at: at) else {
                    continue
                }
                job.chainPath = chain
                job.outputPath = output
                reader.checkFile(chain, at: "\(at).chain", node: mapping["chain"])
                reader.checkFolder((output as NSString).deletingLastPathComponent, at: "\(at).output", node: mapping["output"])
                configuration.staples.append(job)
                stapleOutputs.append((output, "\(at).output", mapping["output"]))
            }
        }
        if let node = top["directories"], let list = reader.sequence(node, at: "directories") {
            for (index, item) in list.enumerated() {
                let at = "directories[\(index)]"
                guard let mapping = reader.mapping(item, at: at) else { continue }
                reader.checkKeys(mapping, allowed: entryKeys.union(["path", "output-dir"]), at: at)
                var job = defaults
                // HAProxy's convention (NAME.ocsp beside NAME) makes haproxy the natural default here.
                if mapping["target"] == nil && top["defaults"]?.mapping?["target"] == nil {
                    job.policy = TargetPolicy(target: .haproxy, expiryMargin: job.policy.expiryMargin)
                }
                reader.apply(mapping, to: &job, at: at)
                guard let folder = reader.required(mapping, "path", at: at) else { continue }
                reader.checkFolder(folder, at: "\(at).path", node: mapping["path"])
                var outputDirectory: String? = nil
                if let node = mapping["output-dir"], let value = reader.string(node, at: "\(at).output-dir") {
                    reader.checkFolder(value, at: "\(at).output-dir", node: node)
                    outputDirectory = value
                }
                configuration.directories.append(.init(path: folder, outputDirectory: outputDirectory, template: job))
                directoryPlaces.append((at, mapping["path"]))
            }
        }
        if configuration.staples.isEmpty && configuration.directories.isEmpty && reader.problems.isEmpty {
            reader.problem("", nil, "no entries; list at least one under staples: or directories:")
        }
        reader.checkOneEntryPerOutput(staples: stapleOutputs, configuration: configuration, directories: directoryPlaces)
        guard reader.problems.isEmpty else {
            throw ConfigurationError(problems: (reader.problems + reader.fileProblems).sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        configuration.fileProblems = reader.fileProblems
        return configuration
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
                    "not UTF-8 text (YAML must be UTF-8); a path with bytes in another encoding cannot be named here, rename the file or link to it under a UTF-8 name"
            )
        ])
    }

    private static func syntaxLine(_ error: any Error) -> Int? {
        if case YamlError.scanner(_, _, let mark, _) = error { return mark.line }
        if case YamlError.parser(_, _, let mark, _) = error { return mark.line }
        return nil
    }
}

/// Walks the YAML node tree, collecting problems instead of stopping at the first.
private struct Reader {
    let file: String
    var problems: [ConfigurationError.Problem] = []
    /// Missing or unreadable files and folders: the entry's failure, not the configuration's.
    var fileProblems: [ConfigurationError.Problem] = []

    mutating func problem(_ keyPath: String, _ node: Node?, _ message: String) {
        problems.append(.init(file: file, keyPath: keyPath, line: node?.mark?.line, message: message))
    }

    mutating func mapping(_ node: Node, at keyPath: String) -> Node.Mapping? {
        guard let mapping = node.mapping else {
            problem(keyPath, node, "expected a mapping of keys to values")
            return nil
        }
        return mapping
    }

    mutating func sequence(_ node: Node, at keyPath: String) -> Node.Sequence? {
        guard let sequence = node.sequence else {
            problem(keyPath, node, "expected a list (lines starting with '- ')")
            return nil
        }
        return sequence
    }

    mutating func string(_ node: Node, at keyPath: String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            problem(keyPath, node, "expected a non-empty text value")
            return nil
        }
        return scalar.string
    }

    mutating func duration(_ node: Node, at keyPath: String) -> TimeInterval? {
        guard let text = node.scalar?.string, let value = DurationText.parse(text) else {
            problem(keyPath, node, "expected a duration such as 300, 30s, 5m, 1h or 2d")
            return nil
        }
        return value
    }

    /// `10%` or `0.1`.
    mutating func fraction(_ node: Node, at keyPath: String) -> Double? {
        guard let text = node.scalar?.string else {
            problem(keyPath, node, "expected a fraction such as 10% or 0.1")
            return nil
        }
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, (0...1).contains(value) else {
            problem(keyPath, node, "expected a fraction between 0% and 100%, not '\(text)'")
            return nil
        }
        return value
    }

    mutating func count(_ node: Node, at keyPath: String) -> Int? {
        guard let text = node.scalar?.string, let value = Int(text), value >= 1 else {
            problem(keyPath, node, "expected a whole number of at least 1")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, at keyPath: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(keyPath, node, "expected true or false")
            return nil
        }
    }

    mutating func required(_ mapping: Node.Mapping, _ key: String, at keyPath: String) -> String? {
        guard let node = mapping[key] else {
            problem(keyPath, nil, "missing required key '\(key)'")
            return nil
        }
        return string(node, at: "\(keyPath).\(key)")
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, at keyPath: String) {
        for (key, _) in mapping {
            let name = key.scalar?.string ?? "?"
            if !allowed.contains(name) {
                let path = keyPath.isEmpty ? name : "\(keyPath).\(name)"
                problem(path, key, "unknown key (known here: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    mutating func fileProblem(_ keyPath: String, _ node: Node?, _ message: String) {
        fileProblems.append(.init(file: file, keyPath: keyPath, line: node?.mark?.line, message: message))
    }

    mutating func checkFile(_ path: String, at keyPath: String, node: Node?) {
        if case .failure(let reason) = FileBytes.read(path, maximum: 4 << 20) {
            fileProblem(keyPath, node, "\(path): \(reason)")
        }
    }

    mutating func checkFolder(_ path: String, at keyPath: String, node: Node?) {
        var isDirectory: ObjCBool = false
        let folder = path.isEmpty ? "." : path
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
            fileProblem(keyPath, node, "the folder \(folder) does not exist")
        }
    }

    /// Two listed entries writing one file overwrite each other's proofs on every run,
    /// whatever the spelling of their paths: both lines are named, and the configuration is
    /// refused. An output that is a configured chain (`site.pem` for `site.pem.ocsp`) would
    /// replace the certificate with a proof. Chains found in folders count as chains here; a
    /// found chain whose own output collides fails alone (`Configuration.expansion`), as a
    /// file problem of its folder's entry. Paths are compared by their bytes (`PathKey`).
    mutating func checkOneEntryPerOutput(
        staples: [(output: String, keyPath: String, node: Node?)], configuration: Configuration,
        directories: [(keyPath: String, node: Node?)]
    ) {
        var owners: [PathKey: (keyPath: String, line: Int?, path: String)] = [:]
        let folderChains = configuration.directories.flatMap { $0.scan().jobs.map(\.chainPath) }
        let chainFiles = Set((configuration.staples.map(\.chainPath) + folderChains).map(OutputIdentity.of))
        for (output, keyPath, node) in staples {
            let identity = OutputIdentity.of(output)
            if chainFiles.contains(identity) {
                problem(keyPath, node, "\(output) is a configured chain file; writing the proof there would replace the certificate")
            } else if let first = owners[identity] {
                let place = first.line.map { "line \($0)" } ?? "above"
                problem(
                    keyPath, node,
                    "\(output) is the same file as \(first.keyPath) (\(place)): \(first.path); each output belongs to one entry")
            } else {
                owners[identity] = (keyPath, node?.mark?.line, output)
            }
        }
        for failure in configuration.expansion().failures where directories.indices.contains(failure.directory) {
            let place = directories[failure.directory]
            fileProblem(place.keyPath, place.node, "\(failure.message); the other entries proceed")
        }
    }

    /// The per-entry settings shared by defaults, staples and directories.
    mutating func apply(_ mapping: Node.Mapping, to job: inout RefreshJob, at keyPath: String) {
        func at(_ key: String) -> String { "\(keyPath).\(key)" }
        if let node = mapping["target"], let text = string(node, at: at("target")) {
            if let target = Target(rawValue: text) {
                job.policy = TargetPolicy(target: target, expiryMargin: job.policy.expiryMargin)
            } else {
                problem(at("target"), node, "'\(text)' is not one of exim, nginx, haproxy, generic")
            }
        }
        if let node = mapping["expiry-margin"], let value = duration(node, at: at("expiry-margin")) {
            job.policy = TargetPolicy(target: job.policy.target, expiryMargin: value)
        }
        if let node = mapping["issuer"], let value = string(node, at: at("issuer")) {
            checkFile(value, at: at("issuer"), node: node)
            job.issuerPath = value
        }
        if let node = mapping["responder"], let value = string(node, at: at("responder")) {
            if FetchableURL.isAllowed(value) {
                job.responderURL = value
            } else {
                problem(at("responder"), node, "'\(value)' is not an http:// or https:// URL")
            }
        }
        if let node = mapping["responder-cert"], let value = string(node, at: at("responder-cert")) {
            checkFile(value, at: at("responder-cert"), node: node)
            job.responderCertificatePath = value
        }
        if let node = mapping["nonce"], let value = bool(node, at: at("nonce")) {
            job.nonce = value
        }
        if let node = mapping["hook"] {
            if let list = node.sequence, !list.isEmpty, list.allSatisfy({ $0.scalar != nil }) {
                let arguments = list.compactMap { $0.scalar?.string }
                job.hook = Hook(
                    arguments: arguments, timeout: job.hook?.timeout ?? Hook.defaultTimeout,
                    executable: hookExecutable(arguments[0], at: at("hook"), node: node))
            } else {
                problem(
                    at("hook"), node, "expected a command as a list of arguments, such as [/usr/sbin/nginx, -s, reload] (no shell string)")
            }
        }
        if let node = mapping["hook-timeout"], let value = duration(node, at: at("hook-timeout")) {
            job.hook?.timeout = value
            if job.hook == nil { job.hook = Hook(arguments: [], timeout: value) }
        }
        var timing = job.timing
        if let node = mapping["refresh-at"], let value = fraction(node, at: at("refresh-at")) { timing.refreshAt = value }
        if let node = mapping["jitter"], let value = fraction(node, at: at("jitter")) { timing.jitter = value }
        if let node = mapping["min-interval"], let value = duration(node, at: at("min-interval")) { timing.minimumInterval = value }
        if let node = mapping["deadline-min"], let value = duration(node, at: at("deadline-min")) { timing.deadlineMinimum = value }
        if let node = mapping["deadline-fraction"], let value = fraction(node, at: at("deadline-fraction")) {
            timing.deadlineFraction = value
        }
        if let node = mapping["backoff-min"], let value = duration(node, at: at("backoff-min")) { timing.backoffMinimum = value }
        if let node = mapping["backoff-max"], let value = duration(node, at: at("backoff-max")) { timing.backoffMaximum = value }
        if let node = mapping["warning-fraction"], let value = fraction(node, at: at("warning-fraction")) { timing.warningFraction = value }
        if timing.backoffMinimum > timing.backoffMaximum {
            problem(at("backoff-min"), mapping["backoff-min"], "backoff-min is larger than backoff-max")
        }
        job.timing = timing
        if let node = mapping["refresh-budget"], let value = duration(node, at: at("refresh-budget")) {
            job.budget = RefreshBudget(maximumURLs: job.budget.maximumURLs, seconds: value)
        }
        if let node = mapping["max-responder-urls"], let value = count(node, at: at("max-responder-urls")) {
            job.budget = RefreshBudget(maximumURLs: value, seconds: job.budget.seconds)
        }
    }

    /// The absolute path the hook will start, found and checked now, with the interpreters
    /// its `#!` lines start (see HookExecutable).
    mutating func hookExecutable(_ command: String, at keyPath: String, node: Node?) -> String? {
        switch HookExecutable.resolve(command) {
        case .success(let path): return path
        case .failure(let error):
            problem(keyPath, node, error.description)
            return nil
        }
    }
}
