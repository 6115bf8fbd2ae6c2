import Foundation
import Yams

/// Walks the YAML node tree, collecting problems instead of stopping at the first: each
/// reader of a value records what is wrong with it and returns nil. What the values mean is
/// in the extensions: the global keys, the entries, their settings, one output per entry.
struct ConfigurationReader {
    let file: String
    var problems: [ConfigurationError.Problem] = []
    /// Missing or unreadable files and folders: the entry's failure, not the configuration's.
    var fileProblems: [ConfigurationError.Problem] = []
    /// Whether each folder checked so far is one: 10,000 entries name a few folders.
    var folderExists: [PathKey: Bool] = [:]
    /// The files entries name, checked as `FileBytes` reads them (`LoadFileCheck`).
    var files = LoadFileCheck()
    /// The digest of each listed chain as the check read it (`Configuration.chainDigestsAtLoad`).
    var chainDigests: [PathKey: String] = [:]
    /// The listed chains, checked while the entries are read (`ChainPrecheck`).
    var precheck: ChainPrecheck?

    mutating func problem(_ keyPath: String, _ node: Node?, _ message: String) {
        problems.append(.init(file: file, keyPath: keyPath, line: node?.mark?.line, message: message))
    }

    mutating func mapping(_ node: Node, at keyPath: String) -> KeyedMapping? {
        guard let mapping = node.mapping else {
            problem(keyPath, node, "expected a mapping of keys to values")
            return nil
        }
        return KeyedMapping(mapping)
    }

    mutating func sequence(_ node: Node, at keyPath: String) -> Node.Sequence? {
        guard let sequence = node.sequence else {
            problem(keyPath, node, "expected a list (lines starting with '- ')")
            return nil
        }
        return sequence
    }

    /// (Key paths are made only for a problem: 10,000 entries have three each.)
    mutating func string(_ node: Node, at keyPath: @autoclosure () -> String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            problem(keyPath(), node, "expected a non-empty text value")
            return nil
        }
        return scalar.string
    }

    mutating func duration(_ node: Node, at keyPath: String) -> TimeInterval? {
        guard let text = node.scalar?.string, let value = DurationText.parse(text) else {
            problem(keyPath, node, "expected a duration such as 300, 30s, 5m, 1h or 2d, at most 36500d")
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

    mutating func required(_ mapping: KeyedMapping, _ key: String, at keyPath: String) -> String? {
        guard let node = mapping[key: key] else {
            problem(keyPath, nil, "missing required key '\(key)'")
            return nil
        }
        return string(node, at: "\(keyPath).\(key)")
    }

    mutating func checkKeys(_ mapping: KeyedMapping, allowed: Set<String>, at keyPath: String) {
        for key in mapping.keys {
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

    /// Reports the file when `FileBytes` cannot read it; answers whether its last component is
    /// known not to be a symlink (nil: not known), which the output check asks of each chain.
    @discardableResult
    mutating func checkFile(_ path: String, at keyPath: @autoclosure () -> String, node: Node?) -> Bool? {
        let (failure, lastComponentPlain) = files.check(path, maximum: LocalFileLimit.bytes)
        if let failure {
            fileProblem(keyPath(), node, "\(path): \(failure)")
        }
        return lastComponentPlain
    }

    mutating func checkFolder(_ path: String, at keyPath: @autoclosure () -> String, node: Node?) {
        let folder = path.isEmpty ? "." : path
        let key = PathKey(folder)
        let exists =
            folderExists[key]
            ?? {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue
            }()
        folderExists[key] = exists
        if !exists {
            fileProblem(keyPath(), node, "the folder \(folder) does not exist")
        }
    }
}
