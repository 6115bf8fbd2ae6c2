internal import COpenSSL

enum Digest {
    /// SHA-256 through OpenSSL's one-shot EVP_Digest.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(bytes, bytes.count, &out, &length, EVP_sha256(), nil) == 1 else {
            OpenSSLErrorQueue.clear()
            return []
        }
        return Array(out.prefix(Int(length)))
    }
}
