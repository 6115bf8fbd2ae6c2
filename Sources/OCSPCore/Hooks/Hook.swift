import Foundation

/// A command run after a staple file changed, to make the server pick it up (nginx reload,
/// HAProxy `set ssl ocsp-response`). An argument vector, never a shell string.
public struct Hook: Sendable, Hashable {
    public var arguments: [String]
    public var timeout: TimeInterval

    public static let defaultTimeout: TimeInterval = 30

    public init(arguments: [String], timeout: TimeInterval = Hook.defaultTimeout) {
        self.arguments = arguments
        self.timeout = timeout
    }
}
