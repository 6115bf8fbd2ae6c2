internal import COpenSSL

enum Digest {
    /// SHA-256 through OpenSSL's one-shot EVP_Digest.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = FetchedSHA256.shared.withAlgorithm { EVP_Digest(bytes, bytes.count, &out, &length, $0, nil) }
        guard done == 1 else {
            OpenSSLErrorQueue.clear()
            return []
        }
        return Array(out.prefix(Int(length)))
    }
}

/// SHA-256's implementation, fetched from OpenSSL's providers once for the process:
/// `EVP_sha256()` names the algorithm only, and every digest made with it looks the
/// implementation up again, under the providers' locks, which thousands of staples (two
/// digests each) on many threads contend for. A fetched `EVP_MD` is immutable and may be
/// used by every thread at once.
final class FetchedSHA256: @unchecked Sendable {
    /// Never freed while in use: owned here, freed in deinit (never, for the process's own).
    private let pointer: OpaquePointer?

    static let shared = FetchedSHA256()

    private init() {
        pointer = EVP_MD_fetch(nil, "SHA256", nil)
        if pointer == nil { OpenSSLErrorQueue.clear() }
    }

    deinit { EVP_MD_free(pointer) }

    /// Calls `body` with the fetched implementation, or with `EVP_sha256()` when the fetch
    /// failed (OpenSSL then looks it up itself at each digest, as before).
    func withAlgorithm<T>(_ body: (OpaquePointer?) -> T) -> T {
        withExtendedLifetime(self) { body(pointer ?? EVP_sha256()) }
    }
}
