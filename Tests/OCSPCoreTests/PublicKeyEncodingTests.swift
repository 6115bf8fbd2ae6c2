import Testing

@testable import OCSPCore

/// When two SubjectPublicKeyInfo encodings settle whether they carry one key, and when the
/// keys must be decoded to tell.
@Suite struct PublicKeyEncodingTests {
    typealias Info = PublicKeyEncoding.Info
    static let p256 = [UInt8]([
        0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07,
    ])
    static let p384 = [UInt8]([0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22])
    static let ed25519 = [UInt8]([0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70])
    static let rsa = [UInt8]([0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00])

    static func point(_ prefix: UInt8, _ fill: UInt8, count: Int = 65) -> [UInt8] {
        [prefix] + [UInt8](repeating: fill, count: count - 1)
    }
    static func ec(_ key: [UInt8], curve: [UInt8] = p256) -> Info { Info(algorithm: .ellipticCurve, identifier: curve, key: key) }

    @Test(arguments: [
        ("identical uncompressed points", ec(point(4, 1)), ec(point(4, 1)), true as Bool?),
        ("two uncompressed points", ec(point(4, 1)), ec(point(4, 2)), false),
        ("an uncompressed and a compressed point", ec(point(4, 1)), ec(point(2, 1, count: 33)), nil),
        ("two compressed points", ec(point(3, 1, count: 33)), ec(point(2, 1, count: 33)), nil),
        ("identical compressed points", ec(point(3, 1, count: 33)), ec(point(3, 1, count: 33)), true),
        ("one curve and another", ec(point(4, 1)), ec(point(4, 2, count: 97), curve: p384), nil),
        ("a point without coordinates", ec([4]), ec(point(4, 1)), nil),
        (
            "two Ed25519 keys", Info(algorithm: .rawKey, identifier: ed25519, key: [1, 2]),
            Info(algorithm: .rawKey, identifier: ed25519, key: [1, 3]), false
        ),
        (
            "two RSA keys", Info(algorithm: .other, identifier: rsa, key: [1, 2]), Info(algorithm: .other, identifier: rsa, key: [1, 3]),
            nil
        ),
        (
            "identical RSA keys", Info(algorithm: .other, identifier: rsa, key: [1, 2]),
            Info(algorithm: .other, identifier: rsa, key: [1, 2]), true
        ),
        (
            "an RSA key and a curve point of the same bytes", Info(algorithm: .other, identifier: rsa, key: point(4, 1)), ec(point(4, 1)),
            nil
        ),
    ])
    func encodingsSettleOnlyWhatTheyCan(_ name: String, _ one: Info, _ other: Info, _ expected: Bool?) {
        #expect(PublicKeyEncoding.sameKey(one, other) == expected, "\(name)")
        #expect(PublicKeyEncoding.sameKey(other, one) == expected, "\(name), the other way round")
    }
}
