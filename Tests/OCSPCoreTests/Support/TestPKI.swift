import Foundation

@testable import OCSPCore

/// A certificate the test PKI issued, with its key file.
struct IssuedCertificate: Sendable {
    let certificatePath: String
    let keyPath: String
    let certificate: Certificate
    /// The `openssl ca` database this certificate was issued from (its issuer's), if any.
    let issuerDatabase: String?

    var serial: String { certificate.serialNumber }
}

/// A throwaway PKI made at test time with the `openssl` CLI, so nothing in the repository
/// can expire: a root, an intermediate (the leafs' issuer), and whatever a test asks for.
/// `openssl ca` keeps each CA's index.txt, which is exactly what `openssl ocsp -index` reads.
final class TestPKI: @unchecked Sendable {
    let directory: String
    let root: IssuedCertificate
    let intermediate: IssuedCertificate
    /// `openssl ca` rewrites its database; tests issue concurrently.
    private let lock = NSLock()

    /// One PKI shared by all tests; each test issues its own leafs from it.
    static let shared: Result<TestPKI, any Error> = Result { try TestPKI() }

    static func get() throws -> TestPKI { try shared.get() }

    /// Everything the tests write lives under one folder per test process, removed at exit.
    static let processScratch: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocspd-tests-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit {
            try? FileManager.default.removeItem(
                atPath: FileManager.default.temporaryDirectory.appendingPathComponent("ocspd-tests-\(getpid())").path)
        }
        return path
    }()

    /// A new empty folder under the process scratch folder.
    static func scratchFolder(_ name: String) throws -> String {
        let path = processScratch + "/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The key a certificate is issued for: every CA and responder is ECDSA P-256; a leaf may be RSA.
    enum KeyAlgorithm: Sendable {
        case ecdsaP256
        case rsa2048
    }

    init(name: String = "ocspd test") throws {
        directory = Self.processScratch + "/pki-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rootKey = "\(directory)/root.key"
        try Self.makeKey(rootKey)
        let rootPath = "\(directory)/root.pem"
        try Command.openssl([
            "req", "-x509", "-new", "-key", rootKey, "-subj", "/O=\(name)/CN=Test Root", "-days", "3650",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-out", rootPath,
        ])
        let rootCertificate = try Self.load(rootPath)
        root = IssuedCertificate(certificatePath: rootPath, keyPath: rootKey, certificate: rootCertificate, issuerDatabase: nil)
        try Self.makeDatabase(for: "root", in: directory)
        intermediate = try Self.issue(
            in: directory, lock: lock, by: root, issuerName: "root", subject: "/O=\(name)/CN=Test Intermediate", file: "intermediate",
            extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
            notBefore: Date().addingTimeInterval(-7 * 86400), notAfter: Date().addingTimeInterval(365 * 86400))
        try Self.makeDatabase(for: "intermediate", in: directory)
    }

    /// A server certificate issued by `issuer` (the intermediate by default).
    func issueLeaf(
        commonName: String = "mail-\(UUID().uuidString.prefix(8)).example.test",
        ocspURLs: [String],
        caIssuersURLs: [String] = [],
        notBefore: Date = Date().addingTimeInterval(-86400),
        notAfter: Date = Date().addingTimeInterval(30 * 86400),
        mustStaple: Bool = false,
        issuer: IssuedCertificate? = nil,
        keyAlgorithm: KeyAlgorithm = .ecdsaP256
    ) throws -> IssuedCertificate {
        var aia = ocspURLs.map { "OCSP;URI:\($0)" } + caIssuersURLs.map { "caIssuers;URI:\($0)" }
        var extensions =
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:\(commonName)\n"
        if !aia.isEmpty { extensions += "authorityInfoAccess=\(aia.joined(separator: ","))\n" }
        if mustStaple { extensions += "tlsfeature=status_request\n" }
        aia.removeAll()
        return try issue(
            subject: "/CN=\(commonName)", extensions: extensions, notBefore: notBefore, notAfter: notAfter, issuer: issuer,
            keyAlgorithm: keyAlgorithm)
    }

    /// A delegated OCSP responder certificate; `ocspSigning: false` makes one without the EKU.
    func issueResponder(
        commonName: String = "Test OCSP Responder \(UUID().uuidString.prefix(6))",
        ocspSigning: Bool = true,
        notBefore: Date = Date().addingTimeInterval(-86400),
        notAfter: Date = Date().addingTimeInterval(30 * 86400),
        issuer: IssuedCertificate? = nil
    ) throws -> IssuedCertificate {
        var extensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        if ocspSigning { extensions += "extendedKeyUsage=OCSPSigning\nnoCheck=ignored\n" }
        return try issue(
            subject: "/O=ocspd test/CN=\(commonName)", extensions: extensions, notBefore: notBefore, notAfter: notAfter, issuer: issuer)
    }

    /// Another CA under the root, with a name of the test's choosing (the same name as the
    /// intermediate makes an impostor).
    func issueCA(commonName: String, organization: String = "ocspd test") throws -> IssuedCertificate {
        let file = "ca-\(UUID().uuidString.prefix(8))"
        let issued = try Self.issue(
            in: directory, lock: lock, by: root, issuerName: "root", subject: "/O=\(organization)/CN=\(commonName)", file: file,
            extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
            notBefore: Date().addingTimeInterval(-7 * 86400), notAfter: Date().addingTimeInterval(365 * 86400))
        try Self.makeDatabase(for: file, in: directory)
        return issued
    }

    /// Marks `certificate` revoked in its issuer's database; a running `openssl ocsp` notices the change.
    func revoke(_ certificate: IssuedCertificate, reason: String = "keyCompromise") throws {
        let name = certificate.issuerDatabase ?? "intermediate"
        let issuer = name == "intermediate" ? intermediate : try caNamed(name)
        _ = try lock.withLock {
            try Command.openssl([
                "ca", "-batch", "-config", "\(directory)/\(name)/ca.cnf", "-cert", issuer.certificatePath,
                "-keyfile", issuer.keyPath, "-revoke", certificate.certificatePath, "-crl_reason", reason,
            ])
        }
    }

    /// Rewrites the issuer's database so `certificate` reads as valid again (no CA does this;
    /// tests use it to play a responder that claims an un-revocation).
    func unrevoke(_ certificate: IssuedCertificate) throws {
        let path = "\(directory)/\(certificate.issuerDatabase ?? "intermediate")/index.txt"
        let serial = certificate.serial.uppercased()
        try lock.withLock {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let rewritten = lines.map { line -> String in
                var fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 4, fields[0] == "R", fields[3].uppercased().hasSuffix(serial) else { return String(line) }
                fields[0] = "V"
                fields[2] = ""
                return fields.joined(separator: "\t")
            }
            try rewritten.joined(separator: "\n").write(toFile: path + ".unrevoke", atomically: false, encoding: .utf8)
            rename(path + ".unrevoke", path)
        }
    }

    /// Copies `ca`'s index.txt to `destination` atomically, while no `openssl ca` rewrites it
    /// (it renames files, so a reader at the wrong moment finds no index at all).
    func snapshotIndex(of ca: IssuedCertificate, to destination: String) throws {
        try lock.withLock {
            let data = try Data(contentsOf: URL(fileURLWithPath: index(of: ca)))
            try data.write(to: URL(fileURLWithPath: destination + ".new"))
            guard rename(destination + ".new", destination) == 0 else { throw SpawnFailed(command: "rename \(destination)", code: errno) }
        }
    }

    /// The index.txt of `ca`, for `openssl ocsp -index`.
    func index(of ca: IssuedCertificate) -> String {
        "\(directory)/\(databaseName(of: ca))/index.txt"
    }

    /// A chain file as Exim's tls_certificate would hold it.
    func chainFile(for leaf: IssuedCertificate, including extra: [IssuedCertificate]? = nil, withKey: Bool = false, in folder: String)
        throws -> String
    {
        var text = try String(contentsOfFile: leaf.certificatePath, encoding: .utf8)
        if withKey { text += try String(contentsOfFile: leaf.keyPath, encoding: .utf8) }
        for certificate in extra ?? [intermediate] {
            text += try String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
        }
        let path = "\(folder)/chain-\(UUID().uuidString.prefix(8)).pem"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func databaseName(of ca: IssuedCertificate) -> String {
        if ca.certificatePath == intermediate.certificatePath { return "intermediate" }
        if ca.certificatePath == root.certificatePath { return "root" }
        return (ca.certificatePath as NSString).lastPathComponent.replacingOccurrences(of: ".pem", with: "")
    }

    private func caNamed(_ name: String) throws -> IssuedCertificate {
        let path = "\(directory)/\(name).pem"
        return IssuedCertificate(
            certificatePath: path, keyPath: "\(directory)/\(name).key", certificate: try Self.load(path), issuerDatabase: "root")
    }

    private func issue(
        subject: String, extensions: String, notBefore: Date, notAfter: Date, issuer: IssuedCertificate?,
        keyAlgorithm: KeyAlgorithm = .ecdsaP256
    ) throws -> IssuedCertificate {
        let ca = issuer ?? intermediate
        return try Self.issue(
            in: directory, lock: lock, by: ca, issuerName: databaseName(of: ca), subject: subject,
            file: "cert-\(UUID().uuidString.prefix(12))", extensions: extensions, notBefore: notBefore, notAfter: notAfter,
            keyAlgorithm: keyAlgorithm)
    }

    private static func issue(
        in directory: String, lock: NSLock, by issuer: IssuedCertificate, issuerName: String, subject: String,
        file: String, extensions: String, notBefore: Date, notAfter: Date, keyAlgorithm: KeyAlgorithm = .ecdsaP256
    ) throws -> IssuedCertificate {
        let key = "\(directory)/\(file).key"
        let csr = "\(directory)/\(file).csr"
        let pem = "\(directory)/\(file).pem"
        let ext = "\(directory)/\(file).ext"
        try makeKey(key, keyAlgorithm)
        try Command.openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr])
        try "[ext]\n\(extensions)".write(toFile: ext, atomically: true, encoding: .utf8)
        _ = try lock.withLock {
            try Command.openssl([
                "ca", "-batch", "-notext", "-rand_serial", "-config", "\(directory)/\(issuerName)/ca.cnf",
                "-cert", issuer.certificatePath, "-keyfile", issuer.keyPath, "-in", csr, "-out", pem,
                "-startdate", timestamp(notBefore), "-enddate", timestamp(notAfter),
                "-extfile", ext, "-extensions", "ext",
            ])
        }
        return IssuedCertificate(certificatePath: pem, keyPath: key, certificate: try load(pem), issuerDatabase: issuerName)
    }

    private static func makeDatabase(for name: String, in directory: String) throws {
        let folder = "\(directory)/\(name)"
        try FileManager.default.createDirectory(atPath: "\(folder)/newcerts", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(folder)/index.txt", contents: Data())
        try "unique_subject = no\n".write(toFile: "\(folder)/index.txt.attr", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: "\(folder)/serial", atomically: true, encoding: .utf8)
        let config = """
            [ ca ]
            default_ca = CA_default
            [ CA_default ]
            dir = \(folder)
            database = $dir/index.txt
            new_certs_dir = $dir/newcerts
            serial = $dir/serial
            default_md = sha256
            policy = policy_any
            unique_subject = no
            copy_extensions = none
            [ policy_any ]
            organizationName = optional
            commonName = supplied
            """
        try config.write(toFile: "\(folder)/ca.cnf", atomically: true, encoding: .utf8)
    }

    static func makeKey(_ path: String, _ algorithm: KeyAlgorithm = .ecdsaP256) throws {
        switch algorithm {
        case .ecdsaP256:
            try Command.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        case .rsa2048:
            try Command.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
        }
    }

    /// One certificate, CA or not (the chain reader refuses a CA certificate as a leaf).
    static func load(_ path: String) throws -> Certificate {
        let certificates = CertificateBundle.certificates(in: try FileBytes.read(path, maximum: 1 << 20).get())
        guard let first = certificates.first else { throw CertificateNotLoaded(path: path) }
        return first
    }

    struct CertificateNotLoaded: Error { let path: String }

    /// GeneralizedTime as `openssl ca -startdate/-enddate` takes it.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }
}
