import Testing

@testable import OCSPCore

/// SHA-256 through the implementation fetched once for the process (`FetchedSHA256`),
/// checked against FIPS 180-2's examples, from many threads at once as the pool uses it.
@Suite struct DigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256GivesTheStandardDigests(text: String, hex: String) {
        #expect(Hex.string(Digest.sha256(Array(text.utf8))) == hex)
    }

    @Test func sha256GivesTheSameDigestOnEveryThreadAtOnce() async {
        let expected = Digest.sha256(Array("abc".utf8))
        await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<64 { group.addTask { Digest.sha256(Array("abc".utf8)) } }
            for await digest in group { #expect(digest == expected) }
        }
    }
}
