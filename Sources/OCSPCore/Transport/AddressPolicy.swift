import Foundation

/// Which resolved addresses ocspd may connect to. Hosting providers whose customers supply
/// certificates turn on `refusePrivate`, so a certificate's AIA URLs cannot make ocspd probe
/// loopback, private or link-local services. Checked on the address curl is about to connect
/// to (its socket callback), not on the name, so DNS tricks do not get around it.
public enum AddressPolicy {
    /// Loopback, RFC 1918, CGNAT, link-local, "this network", IPv6 unique-local and
    /// link-local, and IPv4 mapped into IPv6 by the same rules.
    public static func isPrivate(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let raw = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            return isPrivate(ipv4: raw)
        case AF_INET6:
            let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return isPrivate(ipv4: bytes[12...15].reduce(0) { $0 << 8 | UInt32($1) })
            }
            if bytes.allSatisfy({ $0 == 0 }) { return true } // ::
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true } // ::1
            if bytes[0] & 0xfe == 0xfc { return true } // fc00::/7
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return true } // fe80::/10
            return false
        default:
            return true
        }
    }

    static func isPrivate(ipv4 address: UInt32) -> Bool {
        let ranges: [(UInt32, UInt32)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8),
            (0xA9FE_0000, 16), (0xAC10_0000, 12), (0xC0A8_0000, 16),
        ]
        return ranges.contains { base, bits in address >> (32 - bits) == base >> (32 - bits) }
    }
}

/// Remembers what the socket callback refused, for the error message.
final class AddressGuard: @unchecked Sendable {
    private let lock = NSLock()
    private var refused: String? = nil

    var refusedAddress: String? { lock.withLock { refused } }

    func refuse(_ address: String) { lock.withLock { refused = address } }
}
