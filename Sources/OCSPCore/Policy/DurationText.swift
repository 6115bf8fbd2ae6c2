import Foundation

/// Durations as operators write them: `300`, `300s`, `5m`, `1h`, `2d`.
public enum DurationText {
    public static func parse(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = units[last] {
            return Double(trimmed.dropLast()).flatMap { $0 >= 0 ? $0 * unit : nil }
        }
        return Double(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The shortest form `parse` reads back: `2d`, `12h`, `90m`, `45s`.
    public static func describe(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60)] where whole >= size && whole % size == 0 {
            return "\(whole / size)\(unit)"
        }
        return "\(whole)s"
    }
}
