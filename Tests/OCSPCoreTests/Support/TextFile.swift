import Foundation

/// What a log or a hook's record holds so far, read as text; empty while nothing was written.
enum TextFile {
    static func text(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func lines(_ path: String) -> [String] {
        text(path).split(separator: "\n").map(String.init)
    }
}
