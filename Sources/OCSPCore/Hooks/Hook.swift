import Foundation

/// A command run after a staple file changed, to make the server pick it up (nginx reload,
/// HAProxy `set ssl ocsp-response`). An argument vector, never a shell string.
public struct Hook: Sendable, Hashable {
    public var arguments: [String]
    public var timeout: TimeInterval
    /// The absolute path of `arguments[0]`, found and checked when the configuration was
    /// loaded: what is started, so that PATH is never searched again at start.
    public var executable: String?

    public static let defaultTimeout: TimeInterval = 30

    public init(arguments: [String], timeout: TimeInterval = Hook.defaultTimeout, executable: String? = nil) {
        self.arguments = arguments
        self.timeout = timeout
        self.executable = executable
    }
}
