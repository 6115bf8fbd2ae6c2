import Foundation
import Synchronization

enum FreePort {
    /// Ports already handed out in this test process: between a pick and the server's own
    /// bind the kernel may hand the same port to a concurrent pick (an Exim and an
    /// `openssl ocsp` of two tests once shared one), so a port is never given out twice.
    private static let handedOut = Mutex<Set<UInt16>>([])

    /// A TCP port nothing listens on now and no other test of this process was given, below
    /// the kernel's ephemeral range: the local ports of outgoing connections (curl, s_client,
    /// Exim's client side) come from that range, and so did the kernel's own picks, so a port
    /// picked there could be taken by any connection before the server that was given it binds.
    static func pick() -> UInt16 {
        let range = nonEphemeralRange()
        while true {
            let port = UInt16.random(in: range)
            guard !isListening(port) else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    /// 10000 up to the start of `ip_local_port_range` (32768 by default).
    private static func nonEphemeralRange() -> ClosedRange<UInt16> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { UInt16($0) } ?? 32768
        return 10000...(first > 10001 ? first - 1 : 10001)
    }

    /// Whether something listens on `port`, read from /proc: connecting to `openssl ocsp`
    /// to find out would make it spin at 100% CPU and never answer again.
    static func isListening(_ port: UInt16) -> Bool {
        let suffix = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = wholeProcFile(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count > 3, fields[1].hasSuffix(suffix), fields[3] == "0A" { return true }
            }
        }
        return false
    }

    /// A /proc file read to its end. /proc files report a size of 0, and a reader that
    /// trusts the size (Foundation's `String(contentsOfFile:)`) gets only the first page:
    /// with hundreds of sockets open, a listener further down the table was never seen.
    private static func wholeProcFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(contentsOf: chunk.prefix(count))
        }
    }
}
