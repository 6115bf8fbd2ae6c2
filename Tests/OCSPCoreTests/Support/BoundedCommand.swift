import Foundation

@testable import OCSPCore

/// A run that did not end within its bound: the child was stopped, and this is what it left.
struct CommandTimedOut: Error, CustomStringConvertible {
    let arguments: [String]
    let seconds: TimeInterval
    let stderr: String
    var description: String { "ocspd \(arguments.joined(separator: " ")) still ran after \(Int(seconds)) s (stopped): \(stderr)" }
}

extension OCSPDBinary {
    /// Runs the built binary, but never longer than `seconds`: a test of "does not hang"
    /// fails with `CommandTimedOut` instead of hanging the suite.
    static func run(_ arguments: [String], within seconds: TimeInterval) throws -> CommandResult {
        let scratch = try TestPKI.scratchFolder("bounded")
        let outPath = "\(scratch)/out"
        let errPath = "\(scratch)/err"
        var env = ProcessInfo.processInfo.environment
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"] { env[key] = nil }
        let child = try ChildProcess([path] + arguments, stdout: outPath, stderr: errPath, environment: env)
        let deadline = Date().addingTimeInterval(seconds)
        while child.isRunning && Date() < deadline { usleep(20_000) }
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        if child.isRunning {
            child.stop(grace: 1)
            throw CommandTimedOut(arguments: arguments, seconds: seconds, stderr: stderr)
        }
        return CommandResult(
            status: child.wait(), stdout: FileManager.default.contents(atPath: outPath).map(Array.init) ?? [], stderr: stderr)
    }
}
