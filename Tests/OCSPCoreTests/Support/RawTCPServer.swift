import Foundation
@testable import OCSPCore

/// A listener on 127.0.0.1 that hands each connection to `behaviour`, for servers that speak
/// first or misbehave below HTTP: silent, dripping, endless. Connections are served one at a
/// time; `stop()` ends the behaviour's loops (`isStopped`) and closes the listener.
final class RawTCPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    private let behaviour: @Sendable (Int32, RawTCPServer) -> Void

    init(_ behaviour: @escaping @Sendable (_ connection: Int32, _ server: RawTCPServer) -> Void) throws {
        self.behaviour = behaviour
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // A port of FreePort's, never one the kernel picks: see FreePort.pick.
        var bound: Int32 = -1
        for _ in 0..<20 where bound != 0 {
            address.sin_port = FreePort.pick().bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw SpawnFailed(command: "raw TCP server", code: errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    deinit { stop() }

    var isStopped: Bool { lock.withLock { stopped } }

    func stop() {
        let wasRunning = lock.withLock {
            let running = !stopped
            stopped = true
            return running
        }
        guard wasRunning else { return }
        finished.wait()
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        while !isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            behaviour(connection, self)
            close(connection)
        }
    }

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
