import Foundation

/// The server's certificate chain as Exim's `tls_certificate` holds it: the leaf first,
/// then intermediates. Private keys and parameters in the same file are skipped undecoded
/// (see `ChainBlockKind`).
public struct CertificateChain: Sendable, Hashable {
    public let leaf: Certificate
    public let intermediates: [Certificate]
    /// Where it was read from, for messages.
    public let path: String

    public init(leaf: Certificate, intermediates: [Certificate], path: String) {
        self.leaf = leaf
        self.intermediates = intermediates
        self.path = path
    }

    /// No chain file is larger; a bigger one is not a chain.
    public static let maximumFileSize = LocalFileLimit.bytes

    /// The version of the rules `parse` reads a chain by; raise it whenever the same bytes
    /// could yield another leaf or be refused. A `VerifiedRecord` made under other rules
    /// vouches for what an older parser made of the chain, so it is never used. 1: up to
    /// issue 12; 2: a leading BOM accepted, malformed or unknown blocks and a CA leaf refused.
    public static let rulesVersion = 2

    /// Reads a PEM or DER chain file.
    public static func read(from path: String) throws(ChainError) -> CertificateChain {
        let bytes = try FileBytes.read(path, maximum: maximumFileSize).mapError { ChainError.unreadable(path: path, reason: $0) }.get()
        return try parse(bytes, path: path)
    }

    /// Decodes chain bytes; `path` only names the source in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws(ChainError) -> CertificateChain {
        guard bytes.contains(where: { !isWhitespace($0) }) else { throw .empty(path: path) }
        let certificates: [Certificate]
        if PEMSplitter.looksLikePEM(bytes) {
            certificates = try parsePEM(bytes, path: path)
        } else {
            guard let certificate = Certificate(derBytes: bytes) else {
                throw .notACertificate(path: path, detail: "neither PEM nor a single DER certificate")
            }
            certificates = [certificate]
        }
        guard let leaf = certificates.first else {
            throw .noCertificate(path: path)
        }
        // A server presents the first certificate as its own; a CA certificate first means the
        // leaf is missing or out of order, and a proof for the CA would be stapled in its place.
        if leaf.isCertificateAuthority {
            throw .leafIsCertificateAuthority(path: path, subject: leaf.subject)
        }
        return CertificateChain(leaf: leaf, intermediates: Array(certificates.dropFirst()), path: path)
    }

    private static func parsePEM(_ bytes: [UInt8], path: String) throws(ChainError) -> [Certificate] {
        let blocks: [PEMBlock]
        do {
            blocks = try PEMSplitter.blocks(in: String(decoding: bytes, as: UTF8.self))
        } catch {
            switch error {
            case .unterminated(let label, let line), .mismatchedEnd(let label, let line):
                throw .truncatedPEM(path: path, label: label, line: line)
            case .malformedBegin(let line):
                throw .malformedPEM(path: path, line: line)
            }
        }
        var certificates: [Certificate] = []
        for block in blocks {
            let kind = ChainBlockKind(label: block.label)
            switch kind {
            case .skipped:
                continue
            case .unknown:
                throw .unknownBlock(path: path, label: block.label, line: block.line)
            case .certificate, .trustedCertificate:
                // The first is the leaf; the rest are intermediates that many chains share.
                let decode = certificates.isEmpty ? Certificate.init(derBytes:) : SharedCertificates.certificate(derBytes:)
                let der = block.decoded().flatMap { kind == .trustedCertificate ? X509Object.certificateDER(fromTrusted: $0) : $0 }
                guard let der, let certificate = decode(der) else {
                    throw .notACertificate(path: path, detail: "the \(block.label) block at line \(block.line) does not decode")
                }
                certificates.append(certificate)
            }
        }
        return certificates
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// What a PEM block in a chain file is to ocspd. Real server files hold more than
/// certificates: certbot's fullchain.pem only certificates, but HAProxy and Postfix combined
/// files add the private key and often DH parameters, and `openssl ecparam -genkey` writes EC
/// parameters before the key. Those are skipped undecoded; anything else is refused, since a
/// label ocspd does not know may be a certificate in a form it cannot read.
enum ChainBlockKind: Equatable {
    case certificate
    /// OpenSSL's `TRUSTED CERTIFICATE`: a certificate followed by trust settings, which
    /// OpenSSL-based servers accept as their certificate.
    case trustedCertificate
    case skipped
    case unknown

    static let parameterLabels: Set<String> = ["DH PARAMETERS", "X9.42 DH PARAMETERS", "EC PARAMETERS", "DSA PARAMETERS"]

    init(label: String) {
        switch label {
        case "CERTIFICATE", "X509 CERTIFICATE": self = .certificate
        case "TRUSTED CERTIFICATE": self = .trustedCertificate
        case _ where label.hasSuffix("PRIVATE KEY") || Self.parameterLabels.contains(label): self = .skipped
        default: self = .unknown
        }
    }
}

public enum ChainError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: FileReadError)
    case empty(path: String)
    case noCertificate(path: String)
    case truncatedPEM(path: String, label: String, line: Int)
    case notACertificate(path: String, detail: String)
    case malformedPEM(path: String, line: Int)
    case unknownBlock(path: String, label: String, line: Int)
    case leafIsCertificateAuthority(path: String, subject: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the certificate chain \(path): \(reason)"
        case .empty(let path):
            return "the certificate chain \(path) is empty; point --chain at the file your server's tls_certificate/ssl_certificate names"
        case .noCertificate(let path):
            return "\(path) holds no CERTIFICATE block (only keys or other PEM blocks); point --chain at the server's certificate chain"
        case .truncatedPEM(let path, let label, let line):
            return "\(path) is cut short or garbled: the \(label) block opened at line \(line) has no matching END line"
        case .notACertificate(let path, let detail):
            return "\(path) is not a usable certificate chain: \(detail)"
        case .malformedPEM(let path, let line):
            return
                "\(path) line \(line) starts like a BEGIN line but is not a well-formed one (-----BEGIN LABEL-----); fix the line "
                + "so the certificate it opens is read, not skipped"
        case .unknownBlock(let path, let label, let line):
            return
                "\(path) holds a \(label) block at line \(line), which is not a certificate, private key or parameters block; a "
                + "chain file holds the leaf certificate first, then its intermediates"
        case .leafIsCertificateAuthority(let path, let subject):
            return
                "the first certificate in \(path) is a CA certificate (subject \(subject)); the leaf must come first, then its intermediates"
        }
    }
}
