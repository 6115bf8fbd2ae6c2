import Foundation

/// One address getaddrinfo gave, copied out of its list.
struct ResolvedAddress: Sendable {
    let family: Int32
    let socketType: Int32
    let proto: Int32
    let storage: sockaddr_storage
    let length: socklen_t
}

/// getaddrinfo within the probe's deadline. It has no timeout of its own (resolv.conf's
/// retries can take half a minute), so it runs on a thread of its own and the probe stops
/// waiting at the deadline; the thread finishes in the background and its answer is dropped.
enum ProbeResolver {
    private struct Failure: Error {
        let reason: String
    }

    /// Written by the resolving thread before it signals `done`, read only after.
    private final class Pending: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<[ResolvedAddress], Failure> = .failure(Failure(reason: "not resolved"))
    }

    static func resolve(host: String, port: UInt16, deadline: ProbeDeadline) -> Result<[ResolvedAddress], ProbeError>? {
        let pending = Pending()
        let thread = Thread {
            pending.result = lookup(host: host, port: port)
            pending.done.signal()
        }
        thread.start()
        let wait = DispatchTime.now() + .milliseconds(Int(deadline.pollMilliseconds()))
        guard pending.done.wait(timeout: wait) == .success else { return nil }
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return pending.result.mapError { ProbeError.resolve(endpoint, $0.reason) }
    }

    private static func lookup(host: String, port: UInt16) -> Result<[ResolvedAddress], Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else { return .failure(Failure(reason: String(cString: gai_strerror(code)))) }
        defer { freeaddrinfo(list) }
        var addresses: [ResolvedAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            guard let address = current.pointee.ai_addr, Int(current.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else {
                continue
            }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(current.pointee.ai_addrlen)))
            }
            addresses.append(
                ResolvedAddress(
                    family: current.pointee.ai_family, socketType: current.pointee.ai_socktype,
                    proto: current.pointee.ai_protocol, storage: storage, length: current.pointee.ai_addrlen))
        }
        return addresses.isEmpty ? .failure(Failure(reason: "no address")) : .success(addresses)
    }
}
