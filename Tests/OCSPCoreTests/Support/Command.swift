import Foundation

@testable import OCSPCore

/// What a finished child process left behind.
struct CommandResult: Sendable {
    let status: Int32
    let stdout: [UInt8]
    let stderr: String

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

struct CommandFailed: Error, CustomStringConvertible {
    let command: String
    let result: CommandResult
    var description: String { "\(command) exited \(result.status): \(result.stderr)" }
}

/// Runs programs for the tests: the `openssl` CLI and the built `ocspd` binary.
enum Command {
    /// Runs to completion; output goes through files so a chatty child can never block on a full pipe.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ocspd-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("out").path
        let errPath = scratch.appendingPathComponent("err").path
        let child = try ChildProcess(
            [executable] + arguments, stdout: outPath, stderr: errPath,
            environment: environment)
        let status = child.wait()
        return CommandResult(
            status: status,
            stdout: FileManager.default.contents(atPath: outPath).map(Array.init) ?? [],
            stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }

    /// Runs `openssl` and throws unless it succeeds.
    @discardableResult
    static func openssl(_ arguments: [String]) throws -> CommandResult {
        let result = try run("openssl", arguments)
        guard result.status == 0 else { throw CommandFailed(command: "openssl " + arguments.joined(separator: " "), result: result) }
        return result
    }
}

/// The `ocspd` binary SwiftPM built beside this test bundle.
enum OCSPDBinary {
    static var path: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // swift-testing may run from inside the .xctest bundle folder on some layouts.
        if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("ocspd").path
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        var env = environment ?? ProcessInfo.processInfo.environment
        // Tests never touch the internet, and never through a proxy either.
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"] { env[key] = nil }
        return try Command.run(path, arguments, environment: env)
    }
}
