import Foundation

/// Durations as operators write them: `300`, `300s`, `5m`, `1h`, `2d`.
public enum DurationText {
    /// The longest duration read: a century. `Double` also reads `inf` and `1e300`, which no
    /// date can be offset by and no whole number of seconds holds (`describe` would trap).
    public static let maximum: TimeInterval = 36_500 * 86_400

    public static func parse(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let seconds: TimeInterval?
        if let unit = units[last] {
            seconds = Double(trimmed.dropLast()).map { $0 * unit }
        } else {
            seconds = Double(trimmed)
        }
        guard let seconds, seconds.isFinite, seconds >= 0, seconds <= maximum else { return nil }
        return seconds
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
