import Foundation

@testable import OCSPCore

/// The listening socket of a test's own server on 127.0.0.1, for RawTCPServer and TestHTTPServer.
enum LoopbackListener {
    /// A listening TCP socket on a port of FreePort's, never one the kernel picks (see
    /// FreePort.pick); another pick when a bind fails. `server` names it in the error.
    static func open(for server: String) throws -> (descriptor: Int32, port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SpawnFailed(command: server, code: errno) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var bound: Int32 = -1
        for _ in 0..<20 where bound != 0 {
            address.sin_port = FreePort.pick().bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let code = errno
            close(descriptor)
            throw SpawnFailed(command: server, code: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(descriptor)
            throw SpawnFailed(command: server, code: code)
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }
}
