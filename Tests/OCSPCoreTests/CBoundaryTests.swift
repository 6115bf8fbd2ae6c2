import Foundation
import Testing

/// C stays in its owners: only `OCSPCore/OpenSSL/`, `OCSPCore/Curl/` and the `CShims` target
/// may import the C modules or hold an `OpaquePointer` (the system calls Glibc's module does
/// not declare are found by name, `System/SystemSymbol`). Everything else calls
/// owner types that return Swift values. (Tests are not checked: they may forge proofs with C.)
@Suite struct CBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources").path

    static let owners = ["OCSPCore/OpenSSL/", "OCSPCore/Curl/", "CShims/"]
    static let cModules = ["COpenSSL", "CCurl", "CShims"]

    /// A breach of the boundary, as "path:line: what".
    struct Breach: CustomStringConvertible, Equatable {
        let path: String
        let line: Int
        let what: String
        var description: String { "Sources/\(path):\(line): \(what)" }
    }

    /// The breaches in one file at `path` (relative to `Sources/`).
    static func breaches(path: String, text: String) -> [Breach] {
        guard !owners.contains(where: { path.hasPrefix($0) }) else { return [] }
        var found: [Breach] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.range(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
            if let module = importedCModule(code) {
                found.append(Breach(path: path, line: index + 1, what: "imports \(module) outside the C owners"))
            }
            if code.contains("OpaquePointer") {
                found.append(Breach(path: path, line: index + 1, what: "holds an OpaquePointer outside the C owners"))
            }
        }
        return found
    }

    /// The C module an import line names (`import COpenSSL`, `internal import CCurl`,
    /// `@_implementationOnly import CShims`, `import struct COpenSSL.X509`), if any.
    static func importedCModule(_ line: Substring) -> String? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let position = words.firstIndex(of: "import") else { return nil }
        let prefix = words[..<position]
        let modifiers: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
        guard prefix.allSatisfy({ modifiers.contains($0) || $0.hasPrefix("@") }) else { return nil }
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        let rest = words[(position + 1)...].drop { kinds.contains($0) }
        guard let path = rest.first else { return nil }
        let module = String(path.split(separator: ".").first ?? path)
        return cModules.contains(module) ? module : nil
    }

    static func swiftFiles() throws -> [(path: String, text: String)] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: sources))
        var files: [(String, String)] = []
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            files.append((path, try String(contentsOfFile: "\(sources)/\(path)", encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    @Test func noFileOutsideTheOwnersImportsACModule() throws {
        let files = try Self.swiftFiles()
        let breaches = files.flatMap { Self.breaches(path: $0.path, text: $0.text) }.filter { $0.what.hasPrefix("imports") }
        #expect(breaches.isEmpty, "\(breaches.map(\.description).joined(separator: "\n"))")
    }

    @Test func noOpaquePointerOutsideTheOwners() throws {
        let files = try Self.swiftFiles()
        let breaches = files.flatMap { Self.breaches(path: $0.path, text: $0.text) }.filter { $0.what.contains("OpaquePointer") }
        #expect(breaches.isEmpty, "\(breaches.map(\.description).joined(separator: "\n"))")
    }

    @Test func theScanReadsTheRealSourcesWhereTheOwnersDoImportC() throws {
        // Guards the two checks above against passing on an empty or misplaced tree.
        let files = try Self.swiftFiles()
        #expect(files.count > 50)
        #expect(files.contains { $0.path == "OCSPCore/OpenSSL/X509Object.swift" && $0.text.contains("import COpenSSL") })
        #expect(files.contains { $0.path.hasPrefix("OCSPCore/Curl/") && $0.text.contains("import CCurl") })
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let rule: String
        let path: String
        let text: String
        let expected: [Int]
        var testDescription: String { rule }
    }

    @Test(arguments: [
        Row(rule: "a plain import outside the owners", path: "OCSPCore/Model/X.swift", text: "import COpenSSL", expected: [1]),
        Row(
            rule: "an access-level import outside the owners", path: "OCSPCore/Probe/X.swift",
            text: "import Foundation\ninternal import CShims", expected: [2]),
        Row(
            rule: "an attributed import outside the owners", path: "ocspd/X.swift", text: "@_implementationOnly import CCurl",
            expected: [1]),
        Row(rule: "a scoped import outside the owners", path: "OCSPCore/X.swift", text: "import struct COpenSSL.X509", expected: [1]),
        Row(
            rule: "an OpaquePointer outside the owners", path: "OCSPCore/Verification/X.swift", text: "let p: OpaquePointer", expected: [1]),
        Row(
            rule: "imports inside the OpenSSL owners", path: "OCSPCore/OpenSSL/X.swift", text: "import COpenSSL\nOpaquePointer",
            expected: []),
        Row(rule: "imports inside the curl owners", path: "OCSPCore/Curl/X.swift", text: "internal import CCurl", expected: []),
        Row(rule: "imports in System/, which owns no C", path: "OCSPCore/System/X.swift", text: "internal import CShims", expected: [1]),
        Row(
            rule: "a module whose name merely starts alike", path: "OCSPCore/X.swift", text: "import CShimsExtra\nimport Crypto",
            expected: []),
        Row(rule: "a comment naming the modules", path: "OCSPCore/X.swift", text: "// import COpenSSL, OpaquePointer", expected: []),
    ])
    func theScanFindsBreachesByFileAndLine(_ row: Row) {
        #expect(Self.breaches(path: row.path, text: row.text).map(\.line) == row.expected)
    }
}
