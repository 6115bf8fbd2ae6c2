import Foundation

@testable import OCSPCore

/// A listener on 127.0.0.1 that hands each connection to `behaviour`, for servers that speak
/// first or misbehave below HTTP: silent, dripping, endless. Connections are served one at a
/// time; `stop()` ends the behaviour's loops (`isStopped`) and closes the listener.
final class RawTCPServer: @unchecked Sendable {
    let port: UInt16
    private let loop: AcceptLoop

    init(_ behaviour: @escaping @Sendable (_ connection: Int32, _ server: RawTCPServer) -> Void) throws {
        loop = try AcceptLoop(for: "raw TCP server")
        port = loop.port
        loop.start { [self] connection in behaviour(connection, self) }
    }

    var isStopped: Bool { loop.isStopped }

    func stop() { loop.stop() }

    /// Sends all of `bytes`; false once the peer is gone.
    static func send(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Waits up to `milliseconds` for bytes and reads them; nil once the peer closed.
    static func receive(from connection: Int32, milliseconds: Int32 = 100) -> [UInt8]? {
        var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(connection, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer.prefix(count)) : nil
    }
}
