/// Whether two SubjectPublicKeyInfo encodings carry the same key, when their bytes settle
/// it without decoding either key (decoding a key costs OpenSSL 3.0 ~0.9 M instructions:
/// `KeyDeferredDecoding`). Identical encodings are one key. Different key bytes under one
/// algorithm identifier are different keys only where a key has a single encoding: an
/// elliptic-curve point both written uncompressed (`04 X Y`), or an Edwards or Montgomery
/// key (fixed raw bytes). Anything else (RSA, whose integers a lenient decoder might read
/// from another encoding, a compressed point, identifiers that differ, such as one curve
/// named and one spelled out) is left to the decoded keys: nil.
enum PublicKeyEncoding {
    enum Algorithm: Equatable {
        case ellipticCurve
        /// Ed25519, Ed448, X25519, X448: the key is its fixed-length raw bytes.
        case rawKey
        case other
    }

    struct Info: Equatable {
        var algorithm: Algorithm
        /// The DER AlgorithmIdentifier (algorithm and parameters: for a curve, which one).
        var identifier: [UInt8]
        /// The subjectPublicKey bits (whole bytes).
        var key: [UInt8]
    }

    /// True: the same key; false: different keys; nil: the bytes do not tell.
    static func sameKey(_ one: Info, _ other: Info) -> Bool? {
        guard one.identifier == other.identifier, one.algorithm == other.algorithm else { return nil }
        if one.key == other.key { return true }
        switch one.algorithm {
        case .rawKey: return false
        case .ellipticCurve: return isUncompressedPoint(one.key) && isUncompressedPoint(other.key) ? false : nil
        case .other: return nil
        }
    }

    /// SEC 1 §2.3.3: `04`, then X and Y of one length.
    private static func isUncompressedPoint(_ key: [UInt8]) -> Bool {
        key.first == 0x04 && key.count > 1 && key.count % 2 == 1
    }
}
