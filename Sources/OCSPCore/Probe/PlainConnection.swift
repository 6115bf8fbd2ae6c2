import Foundation

/// A non-blocking TCP connection whose every wait (connect, read, write, and the TLS
/// handshake's) is bounded by one `ProbeDeadline`, and whose plain-text reads are capped.
final class PlainConnection {
    let descriptor: Int32
    let endpoint: String
    let deadline: ProbeDeadline
    let limits: ProbeReadLimits
    /// Named in the error when time or a cap runs out.
    var phase: ProbePhase = .connect
    private var linesRead = 0
    private var bytesRead = 0

    private init(descriptor: Int32, endpoint: String, deadline: ProbeDeadline, limits: ProbeReadLimits) {
        self.descriptor = descriptor
        self.endpoint = endpoint
        self.deadline = deadline
        self.limits = limits
    }

    static func open(host: String, port: UInt16, deadline: ProbeDeadline, limits: ProbeReadLimits = ProbeReadLimits()) -> Result<
        PlainConnection, ProbeError
    > {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let addresses: [ResolvedAddress]
        switch ProbeResolver.resolve(host: host, port: port, deadline: deadline) {
        case nil: return .failure(.timedOut(endpoint, seconds: deadline.seconds, during: .resolve))
        case .failure(let error)?: return .failure(error)
        case .success(let resolved)?: addresses = resolved
        }
        var lastError = "no address"
        for address in addresses {
            let descriptor = socket(address.family, address.socketType | Int32(SOCK_NONBLOCK.rawValue), address.proto)
            guard descriptor >= 0 else { continue }
            let connection = PlainConnection(descriptor: descriptor, endpoint: endpoint, deadline: deadline, limits: limits)
            var storage = address.storage
            let failure = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connection.connect(to: $0, length: address.length) }
            }
            switch failure {
            case nil:
                return .success(connection)
            case .some(let error) where error.isTimeout:
                connection.close()
                return .failure(error)
            case .some(let error):
                lastError = error.detail
                connection.close()
            }
        }
        return .failure(.connect(endpoint, lastError))
    }

    private func connect(to address: UnsafePointer<sockaddr>, length: socklen_t) -> ProbeError? {
        if Foundation.connect(descriptor, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return .connect(endpoint, String(cString: strerror(errno))) }
        if let timeout = wait(for: Int16(POLLOUT)) { return timeout }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else {
            return .connect(endpoint, String(cString: strerror(errno)))
        }
        return failure == 0 ? nil : .connect(endpoint, String(cString: strerror(failure)))
    }

    func close() {
        Foundation.close(descriptor)
    }

    /// Waits until the socket is ready for `events` (POLLIN, POLLOUT), or the deadline passes.
    func wait(for events: Int16) -> ProbeError? {
        while true {
            let left = deadline.pollMilliseconds()
            guard left > 0 else { return .timedOut(endpoint, seconds: deadline.seconds, during: phase) }
            var poller = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&poller, 1, left)
            if ready > 0 { return nil }
            if ready < 0 && errno != EINTR {
                return .startTLS(endpoint, "waiting for the server during \(phase.rawValue) failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    func send(_ line: String) -> ProbeError? {
        let bytes = Array((line + "\r\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if let timeout = wait(for: Int16(POLLOUT)) { return timeout }
            } else {
                return .startTLS(endpoint, "cannot send during \(phase.rawValue): \(String(cString: strerror(errno)))")
            }
        }
        return nil
    }

    /// One line without its CRLF. Reads byte by byte, never past the line's end: the TLS
    /// handshake must find the socket where the dialogue left it.
    func readLine() -> Result<String, ProbeError> {
        guard linesRead < limits.lines else {
            return .failure(.tooMuch(endpoint, "more than \(limits.lines) lines", during: phase))
        }
        linesRead += 1
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = recv(descriptor, &byte, 1, 0)
            if count == 1 {
                bytesRead += 1
                if byte == 0x0A {
                    if line.last == 0x0D { line.removeLast() }
                    return .success(String(decoding: line, as: UTF8.self))
                }
                line.append(byte)
                if line.count > limits.bytesPerLine {
                    return .failure(.tooMuch(endpoint, "a line longer than \(limits.bytesPerLine) bytes", during: phase))
                }
                if bytesRead > limits.totalBytes {
                    return .failure(.tooMuch(endpoint, "more than \(limits.totalBytes / 1024) KiB", during: phase))
                }
            } else if count == 0 {
                return .failure(.startTLS(endpoint, "the server closed the connection during \(phase.rawValue)"))
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                if let timeout = wait(for: Int16(POLLIN)) { return .failure(timeout) }
            } else {
                return .failure(.startTLS(endpoint, "cannot read during \(phase.rawValue): \(String(cString: strerror(errno)))"))
            }
        }
    }
}

/// The plain-text exchanges that switch SMTP, IMAP and POP3 to TLS.
enum StartTLSDialogue {
    static func run(_ kind: TLSProbe.StartTLS, on connection: PlainConnection) -> ProbeError? {
        func fail(_ detail: String) -> ProbeError { .startTLS(connection.endpoint, detail) }
        do {
            switch kind {
            case .smtp:
                connection.phase = .banner
                guard try readSMTPReply(connection).code == 220 else { return fail("no 220 greeting") }
                connection.phase = .ehlo
                if let error = connection.send("EHLO ocspd.probe") { return error }
                let ehlo = try readSMTPReply(connection)
                guard ehlo.code == 250 else { return fail("EHLO refused") }
                guard ehlo.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    return fail("the server does not offer STARTTLS")
                }
                connection.phase = .startTLS
                if let error = connection.send("STARTTLS") { return error }
                guard try readSMTPReply(connection).code == 220 else {
                    return fail("STARTTLS refused (the server answered 454? its TLS setup is broken)")
                }
            case .imap:
                connection.phase = .banner
                guard try connection.readLine().get().hasPrefix("* OK") else { return fail("no IMAP greeting") }
                connection.phase = .startTLS
                if let error = connection.send("a1 STARTTLS") { return error }
                while true {
                    let line = try connection.readLine().get()
                    if line.hasPrefix("a1 OK") { return nil }
                    if line.hasPrefix("a1 ") { return fail(line) }
                }
            case .pop3:
                connection.phase = .banner
                guard try connection.readLine().get().hasPrefix("+OK") else { return fail("no POP3 greeting") }
                connection.phase = .startTLS
                if let error = connection.send("STLS") { return error }
                guard try connection.readLine().get().hasPrefix("+OK") else { return fail("STLS refused") }
            }
        } catch {
            return error
        }
        return nil
    }

    /// A (multi-line) SMTP reply; a line that is not one fails the dialogue.
    private static func readSMTPReply(_ connection: PlainConnection) throws(ProbeError) -> (code: Int, lines: [String]) {
        var lines: [String] = []
        while true {
            let line = try connection.readLine().get()
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
                throw .startTLS(connection.endpoint, "not an SMTP reply during \(connection.phase.rawValue)")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines) }
        }
    }
}
