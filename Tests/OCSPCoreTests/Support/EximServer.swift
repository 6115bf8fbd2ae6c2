import Foundation

@testable import OCSPCore

/// A private Exim daemon on a free loopback port, with its own minimal configuration in a
/// temp folder (never the system's), stopped by PID when the test ends. Exim gives up root
/// for `-C` configurations and runs as Debian-exim, which therefore owns its spool and log
/// folders and must be able to read the certificate, key and staple.
final class EximServer: @unchecked Sendable {
    enum OCSPFileForm {
        /// `${if exists{F}{F}}`: read on every connection; a missing file means no staple.
        case ifExists
        /// A plain path: loaded at start and about 5 s after its folder changes.
        case plain
    }

    static let user = "Debian-exim"

    /// Exim's binary and its user exist, and we are root (Exim refuses `-C` otherwise).
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/exim4") && getpwnam(user) != nil && getuid() == 0
    }

    let port: UInt16
    let folder: String
    let process: ChildProcess

    var logText: String {
        (try? String(contentsOfFile: "\(folder)/log/mainlog", encoding: .utf8)) ?? ""
    }

    convenience init(chain: String, key: String, staple: String, form: OCSPFileForm = .ifExists) throws {
        let ocspFile = form == .ifExists ? "${if exists{\(staple)}{\(staple)}}" : staple
        try self.init(certificates: [(chain, key)], ocspFile: ocspFile)
    }

    /// Exim with a list of certificates (`tls_certificate = A : B`, keys in the same order) and
    /// `tls_ocsp_file` exactly as given (a list, an expansion, or both). The first key is copied
    /// to `server.key`, the next ones to `server-1.key`, ... `tlsCertificate` and `tlsPrivateKey`,
    /// when given, replace the two lists (expansions naming files Debian-exim can read).
    init(
        certificates: [(chain: String, key: String)], ocspFile: String, tlsCertificate: String? = nil, tlsPrivateKey: String? = nil
    ) throws {
        port = FreePort.pick()
        folder = try TestPKI.scratchFolder("exim")
        for sub in ["spool", "log"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        var keyCopies: [String] = []
        for (index, certificate) in certificates.enumerated() {
            let keyCopy = index == 0 ? "\(folder)/server.key" : "\(folder)/server-\(index).key"
            try FileManager.default.copyItem(atPath: certificate.key, toPath: keyCopy)
            keyCopies.append(keyCopy)
        }
        try Self.chown(["\(folder)/spool", "\(folder)/log"] + keyCopies)
        let config = """
            primary_hostname = mail.example.test
            spool_directory = \(folder)/spool
            log_file_path = \(folder)/log/%slog
            daemon_smtp_ports = \(port)
            local_interfaces = 127.0.0.1
            keep_environment =
            tls_certificate = \(tlsCertificate ?? certificates.map(\.chain).joined(separator: " : "))
            tls_privatekey = \(tlsPrivateKey ?? keyCopies.joined(separator: " : "))
            tls_ocsp_file = \(ocspFile)
            tls_advertise_hosts = *
            domainlist local_domains = example.test
            acl_smtp_rcpt = acl_rcpt

            begin acl
            acl_rcpt:
              accept domains = +local_domains

            begin routers
            local:
              driver = accept
              domains = +local_domains
              transport = mailbox

            begin transports
            mailbox:
              driver = appendfile
              file = \(folder)/spool/mailbox
              user = \(Self.user)
            """
        try config.write(toFile: "\(folder)/exim.conf", atomically: true, encoding: .utf8)
        process = try ChildProcess(
            ["/usr/sbin/exim4", "-C", "\(folder)/exim.conf", "-bdf", "-oY", "-oP", "\(folder)/spool/exim.pid"],
            stdout: "\(folder)/daemon.out", stderr: "\(folder)/daemon.out")
        let deadline = Date().addingTimeInterval(10)
        while !FreePort.isListening(port) {
            let running = process.isRunning
            guard Date() < deadline, running else {
                let output = (try? String(contentsOfFile: "\(folder)/daemon.out", encoding: .utf8)) ?? ""
                let panic = (try? String(contentsOfFile: "\(folder)/log/paniclog", encoding: .utf8)) ?? ""
                let state = running ? "still running, not listening after 10 s" : "exited with status \(process.wait())"
                stop()
                throw ResponderDidNotStart(port: port, log: "exim \(state): " + output + logText + panic)
            }
            usleep(20_000)
        }
    }

    deinit {
        stop()
    }

    func stop() {
        process.stop()
    }

    /// One STARTTLS handshake asking for certificate status.
    func handshake(_ version: TLSProbe.ProtocolVersion = .any) throws -> TLSProbe.Observation {
        try TLSProbe(host: "127.0.0.1", port: port, startTLS: .smtp, serverName: "mail.example.test", version: version).run().get()
    }

    static func chown(_ paths: [String]) throws {
        guard let entry = getpwnam(user) else { return }
        for path in paths where Foundation.chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) != 0 {
            throw SpawnFailed(command: "chown \(path)", code: errno)
        }
    }
}

/// A second Exim acting as a client: delivers one message to `server` over an smtp
/// transport that requires TLS and a stapled OCSP proof verifying against `root`.
struct EximClient {
    let folder: String

    /// `requireCiphers`: the transport's `tls_require_ciphers` (a GnuTLS priority string), e.g.
    /// to offer one key type's signature algorithms only.
    init(server: EximServer, root: String, requireCiphers: String? = nil) throws {
        folder = try TestPKI.scratchFolder("exim-client")
        for sub in ["spool", "log"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        try EximServer.chown(["\(folder)/spool", "\(folder)/log"])
        let config = """
            primary_hostname = client.example.test
            spool_directory = \(folder)/spool
            log_file_path = \(folder)/log/%slog
            keep_environment =

            begin routers
            to_server:
              driver = manualroute
              route_list = * 127.0.0.1
              self = send
              transport = require_ocsp

            begin transports
            require_ocsp:
              driver = smtp
              port = \(server.port)
              allow_localhost
              hosts_require_tls = *
              hosts_require_ocsp = *
              tls_verify_certificates = \(root)
              tls_verify_cert_hostnames =
              tls_sni = mail.example.test
            \(requireCiphers.map { "  tls_require_ciphers = \($0)" } ?? "")

            begin retry
            * * F,1h,10m
            """
        try config.write(toFile: "\(folder)/exim.conf", atomically: true, encoding: .utf8)
    }

    var logText: String {
        (try? String(contentsOfFile: "\(folder)/log/mainlog", encoding: .utf8)) ?? ""
    }

    /// Submits one message and delivers it in the foreground; returns the message's log lines.
    func send(to recipient: String = "postmaster@example.test") throws -> String {
        let message = "\(folder)/message-\(UUID().uuidString.prefix(6)).txt"
        let marker = "ocspd-test-\(UUID().uuidString)"
        try "Subject: \(marker)\n\nhello\n".write(toFile: message, atomically: true, encoding: .utf8)
        _ = try Command.run(
            "/bin/sh", ["-c", "exec /usr/sbin/exim4 -C \"$0\" -odf -oi \"$1\" < \"$2\"", "\(folder)/exim.conf", recipient, message])
        return logText
    }
}
