/// Everything wrong with a configuration file, found before anything is fetched.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public let file: String
        /// `staples[2].chain`, or empty for the document itself.
        public let keyPath: String
        public let line: Int?
        public let message: String

        public var description: String {
            let place = line.map { "\(file):\($0)" } ?? file
            return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
        }
    }

    public let problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    public var heading: String {
        "the configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"):"
    }

    /// One line, as every message is (`DisplayText`); the command line logs the problems one
    /// per line instead (`ConfigurationLoading`).
    public var description: String {
        heading + " " + problems.map(\.description).joined(separator: "; ")
    }
}
