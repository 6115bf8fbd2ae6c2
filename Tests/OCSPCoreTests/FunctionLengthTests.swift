import Foundation
import Testing

/// Functions short enough to read at once: no function, initialiser or computed property in
/// `Sources/` spans 60 lines or more. A long one holds several decisions; split it where they part.
@Suite struct FunctionLengthTests {
    static let limit = 60

    @Test func everyFunctionInSourcesIsShorterThanTheLimit() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized
        var tooLong: [String] = []
        for file in try SourceTree.swiftFiles(under: sources) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for body in FunctionBodies.find(in: text) where body.lines >= Self.limit {
                tooLong.append("\(file.path):\(body.firstLine): \(body.lines) lines: \(body.declaration)")
            }
        }
        #expect(tooLong.isEmpty, "split these into functions of one concern each:\n\(tooLong.joined(separator: "\n"))")
    }

    @Test func theCounterMeasuresABodyFromItsDeclarationToItsClosingBrace() {
        let text = """
            struct S {
                func short() {
                    let braces = "{{{"  // a { in a comment
                    _ = braces
                }
                var computed: Int {
                    1
                }
            }
            """
        let bodies = FunctionBodies.find(in: text)
        #expect(bodies.map(\.lines) == [4, 3])
        #expect(bodies.map(\.firstLine) == [2, 6])
    }
}

/// Every `.swift` file below a folder.
enum SourceTree {
    static func swiftFiles(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }
}

/// Function-like bodies in Swift source, found by their declaration keyword and measured by
/// matching braces outside string literals and comments. Enough for this codebase's style
/// (no multi-line string literals containing braces in `Sources/`).
enum FunctionBodies {
    struct Body {
        let declaration: String
        let firstLine: Int
        let lines: Int
    }

    static func find(in text: String) -> [Body] {
        let lines = text.components(separatedBy: "\n")
        var bodies: [Body] = []
        for (index, line) in lines.enumerated() where declares(line) {
            if let end = closingLine(of: lines, from: index) {
                bodies.append(Body(declaration: line.trimmingCharacters(in: .whitespaces), firstLine: index + 1, lines: end - index + 1))
            }
        }
        return bodies
    }

    /// `func`, `init`, `deinit`, `subscript`, or a computed `var` whose body opens on its line.
    static func declares(_ line: String) -> Bool {
        let code = codeOnly(line).trimmingCharacters(in: .whitespaces)
        let words = code.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == "<" || $0 == "{" }).map(String.init)
        guard let keyword = words.first(where: { !modifiers.contains($0) && !$0.hasPrefix("@") }) else { return false }
        switch keyword {
        case "func", "init", "init?", "deinit", "subscript": return true
        case "var": return code.hasSuffix("{") && code.contains(":") && !code.contains("=")
        default: return false
        }
    }

    static let modifiers: Set<String> = [
        "public", "private", "fileprivate", "internal", "package", "static", "class", "final", "override", "mutating",
        "nonmutating", "nonisolated", "convenience", "required", "open", "private(set)",
    ]

    /// The line holding the brace that closes the first brace opened at or after `start`;
    /// nil for a declaration without a body (a protocol requirement).
    static func closingLine(of lines: [String], from start: Int) -> Int? {
        var depth = 0
        var opened = false
        for index in start..<lines.count {
            // A declaration without a body ends before the next declaration or a blank line.
            if !opened, index > start, declares(lines[index]) || codeOnly(lines[index]).trimmingCharacters(in: .whitespaces).isEmpty {
                return nil
            }
            for character in codeOnly(lines[index]) {
                if character == "{" {
                    depth += 1
                    opened = true
                } else if character == "}" {
                    depth -= 1
                    if !opened { return nil }
                    if depth == 0 { return index }
                }
            }
        }
        return nil
    }

    /// The line without string literals and a trailing `//` comment.
    static func codeOnly(_ line: String) -> String {
        var code = ""
        var inString = false
        var escaped = false
        var previous: Character = " "
        for character in line {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else if character == "/" && previous == "/" {
                code.removeLast()
                break
            } else {
                code.append(character)
            }
            previous = character
        }
        return code
    }
}
