import Foundation
import Testing

@testable import OCSPCore

/// Every file ocspd reads is opened so that a FIFO, device or socket can never block it:
/// anything but a regular file (or a symlink to one) is refused before the first read.
@Suite struct InputFileTests {
    let folder: String

    init() throws {
        folder = try TestPKI.scratchFolder("input")
    }

    private func fifo(_ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return path
    }

    /// A character device like /dev/zero (1, 5), which never ends; root only.
    private func zeroDevice(_ name: String) throws -> String? {
        guard geteuid() == 0 else {
            print("skipped: mknod needs root; run the suite as root (CI does) to test a device chain")
            return nil
        }
        let path = "\(folder)/\(name)"
        try Command.run("mknod", [path, "c", "1", "5"])
        return path
    }

    private func socketFile(_ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return path
    }

    @Test func anythingButARegularFileIsRefusedBeforeTheFirstRead() throws {
        let regular = "\(folder)/regular.pem"
        try "text".write(toFile: regular, atomically: true, encoding: .utf8)
        let link = "\(folder)/link.pem"
        symlink(regular, link)
        let pipe = try fifo("pipe.pem")
        let pipeLink = "\(folder)/pipe-link.pem"
        symlink(pipe, pipeLink)
        let cases: [(String, Result<[UInt8], FileReadError>)] = [
            (regular, .success(Array("text".utf8))),
            (link, .success(Array("text".utf8))),
            (pipe, .failure(.notRegular(kind: .fifo))),
            (pipeLink, .failure(.notRegular(kind: .fifo))),
            (try socketFile("socket.pem"), .failure(.notRegular(kind: .socket))),
            (folder, .failure(.isDirectory)),
        ]
        for (path, expected) in cases {
            #expect(FileBytes.read(path, maximum: 1 << 20) == expected, "\(path)")
        }
        if let device = try zeroDevice("zero.pem") {
            #expect(FileBytes.read(device, maximum: 1 << 20) == .failure(.notRegular(kind: .characterDevice)))
        }
        #expect(
            FileReadError.notRegular(kind: .fifo).description
                == "it is a FIFO (named pipe), not a regular file; ocspd reads only regular files (or symlinks to them)")
    }

    @Test func aFIFOChainDoesNotHangRefreshInspectOrCheck() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let good = try scenario.runRefresh()
        #expect(good.status == 0, "\(good.stderr)")
        let pipe = try fifo("chain.pem")

        let refreshed = try OCSPDBinary.run(
            [
                "refresh", "--chain", pipe, "--output", "\(folder)/out.der",
                "--state-dir", scenario.stateDirectory,
            ], within: 20)
        #expect(refreshed.status == 2)
        #expect(refreshed.stderr.contains("\(pipe): it is a FIFO (named pipe), not a regular file"), "\(refreshed.stderr)")

        let inspected = try OCSPDBinary.run(["inspect", scenario.output, "--chain", pipe], within: 20)
        #expect(inspected.status != 0)
        #expect((inspected.stderr + inspected.stdoutText).contains("FIFO"), "\(inspected.stderr)")
        let inspectedPipe = try OCSPDBinary.run(["inspect", pipe], within: 20)
        #expect(inspectedPipe.status != 0)
        #expect(try OCSPDBinary.run(["inspect", scenario.output, "--issuer", pipe], within: 20).status != 0)

        let config = "\(folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        staples:
          - { chain: \(pipe), output: \(folder)/pipe.der, target: generic }
          - { chain: \(try scenario.chainFile()), output: \(scenario.output), target: generic }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let checked = try OCSPDBinary.run(["check", "--config", config], within: 20)
        let goodLine = checked.stdoutText.split(separator: "\n").first { $0.contains(": \(scenario.output): ") }
        #expect(goodLine?.hasSuffix("left") == true, "the other staple is judged: \(checked.stdoutText)")
        #expect(
            checked.stdoutText.contains("UNKNOWN: \(folder)/pipe.der: cannot read the certificate chain \(pipe): it is a FIFO"),
            "\(checked.stdoutText)")

        let batch = try OCSPDBinary.run(["refresh", "--config", config], within: 20)
        #expect(batch.status == 2, "\(batch.stderr)")
        #expect(batch.stderr.contains("FIFO"))
    }

    @Test func aCharacterDeviceChainIsRefused() throws {
        guard let device = try zeroDevice("zero-chain.pem") else { return }
        let refreshed = try OCSPDBinary.run(
            [
                "refresh", "--chain", device, "--output", "\(folder)/out.der",
                "--state-dir", "\(folder)/state",
            ], within: 20)
        #expect(refreshed.status == 2)
        #expect(refreshed.stderr.contains("\(device): it is a character device, not a regular file"), "\(refreshed.stderr)")
    }

    @Test func theDaemonServesTheOthersBesideAFIFOChainAndStopsOnSIGTERM() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let pipe = try fifo("daemon-chain.pem")
        let daemon = try RunningDaemon(
            in: folder,
            configuration: """
                state-dir: \(scenario.stateDirectory)
                staples:
                  - { chain: \(pipe), output: \(folder)/pipe.der, target: generic }
                  - { chain: \(try scenario.chainFile()), output: \(scenario.output), target: generic }
                """)
        #expect(eventually(15) { scenario.stapleBytes != nil }, "\(daemon.text)")
        #expect(daemon.logs("FIFO", within: 5), "\(daemon.text)")
        #expect(daemon.terminate(within: 5) == 0, "\(daemon.text)")
    }

    @Test func aConfigurationReplacedByAFIFOBlocksNeitherReloadNorShutdown() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let daemon = try RunningDaemon(
            in: folder,
            configuration:
                "state-dir: \(scenario.stateDirectory)\nstaples:\n  - { chain: \(try scenario.chainFile()), output: \(scenario.output), target: generic }\n"
        )
        #expect(eventually(15) { scenario.stapleBytes != nil }, "\(daemon.text)")
        unlink(daemon.config)
        #expect(mkfifo(daemon.config, 0o600) == 0)
        daemon.process.signal(SIGHUP)
        #expect(daemon.logs("not reloaded, the previous one stays in force", within: 5), "\(daemon.text)")
        #expect(daemon.text.contains("FIFO"))
        #expect(daemon.terminate(within: 5) == 0, "\(daemon.text)")
    }
}
