import Foundation

/// A TCP connection with a deadline on every read and write, for the plain-text part of STARTTLS.
final class PlainConnection {
    let descriptor: Int32
    let endpoint: String
    private var buffer: [UInt8] = []

    private init(descriptor: Int32, endpoint: String) {
        self.descriptor = descriptor
        self.endpoint = endpoint
    }

    static func open(host: String, port: UInt16, timeout: TimeInterval) -> Result<PlainConnection, ProbeError> {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else {
            return .failure(.resolve(endpoint, String(cString: gai_strerror(code))))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            if connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                return .success(PlainConnection(descriptor: descriptor, endpoint: endpoint))
            }
            lastError = String(cString: strerror(errno))
            Foundation.close(descriptor)
        }
        return .failure(.connect(endpoint, lastError))
    }

    func close() {
        Foundation.close(descriptor)
    }

    func send(_ line: String) -> Bool {
        let bytes = Array((line + "\r\n").utf8)
        return bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// One line without its CRLF, or nil on timeout or close. Reads byte by byte past the
    /// line's end never: the TLS handshake must find the socket where the dialogue left it.
    func readLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 4096 {
            let count = recv(descriptor, &byte, 1, 0)
            guard count == 1 else { return nil }
            if byte == 0x0A {
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            line.append(byte)
        }
        return nil
    }
}

/// The plain-text exchanges that switch SMTP, IMAP and POP3 to TLS.
enum StartTLSDialogue {
    static func run(_ kind: TLSProbe.StartTLS, on connection: PlainConnection) -> ProbeError? {
        func fail(_ detail: String) -> ProbeError { .startTLS(connection.endpoint, detail) }
        switch kind {
        case .smtp:
            guard let greeting = readSMTPReply(connection), greeting.code == 220 else { return fail("no 220 greeting") }
            guard connection.send("EHLO ocspd.probe"), let ehlo = readSMTPReply(connection), ehlo.code == 250 else {
                return fail("EHLO refused")
            }
            guard ehlo.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                return fail("the server does not offer STARTTLS")
            }
            guard connection.send("STARTTLS"), let reply = readSMTPReply(connection), reply.code == 220 else {
                return fail("STARTTLS refused (the server answered 454? its TLS setup is broken)")
            }
        case .imap:
            guard let greeting = connection.readLine(), greeting.hasPrefix("* OK") else { return fail("no IMAP greeting") }
            guard connection.send("a1 STARTTLS") else { return fail("cannot send STARTTLS") }
            while let line = connection.readLine() {
                if line.hasPrefix("a1 OK") { return nil }
                if line.hasPrefix("a1 ") { return fail(line) }
            }
            return fail("no answer to STARTTLS")
        case .pop3:
            guard let greeting = connection.readLine(), greeting.hasPrefix("+OK") else { return fail("no POP3 greeting") }
            guard connection.send("STLS"), let reply = connection.readLine(), reply.hasPrefix("+OK") else { return fail("STLS refused") }
        }
        return nil
    }

    private static func readSMTPReply(_ connection: PlainConnection) -> (code: Int, lines: [String])? {
        var lines: [String] = []
        while let line = connection.readLine() {
            guard line.count >= 3, let code = Int(line.prefix(3)) else { return nil }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines) }
        }
        return nil
    }
}
