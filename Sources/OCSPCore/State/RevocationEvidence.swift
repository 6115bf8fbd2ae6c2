import Foundation

/// The content of a revocation record: a few lines for people, then the signed revoked proof
/// itself as an `OCSP RESPONSE` PEM block. The proof is what makes the record believable: a
/// record is a revocation only when that proof verifies against the certificate's issuer
/// (signature, signer rules, CertID, status revoked). Anyone who can write a folder can leave
/// a file there; only the CA can sign a revocation.
enum RevocationEvidence {
    /// The record for `staple`, a verified revoked proof. The signer a responder left out
    /// (`--responder-cert`) is embedded, so the record verifies with the issuer alone. None for
    /// a hold (certificateHold): the CA can lift it, and a record is forever.
    static func record(of staple: VerifiedStaple, for subject: StapleSubject, seenAt moment: Date, while output: String) -> [UInt8]? {
        guard staple.status.isFinalRevocation,
            let proof = try? StapleAssembler.embedding(staple.signerMissingFromResponse ? [staple.signer] : [], in: staple.response)
        else { return nil }
        let header = """
            ocspd: a valid revoked OCSP proof was seen for this certificate; ocspd never writes a good proof for it again.
            The proof below is the evidence: ocspd believes this file only while it verifies against the issuer.
            certificate: \(plain(subject.leaf.subject)), serial \(plain(subject.leaf.serialNumber))
            issuer: \(plain(subject.issuer.subject))
            seen: \(RFC3339.string(moment)) while refreshing \(plain(output))

            """
        return Array(header.utf8) + pem(proof)
    }

    /// The verified revoked proof in `bytes`, or why they are not evidence of a revocation of
    /// `subject`. Judged as of the proof's own thisUpdate, signer included: a revocation is
    /// final, so it stays true after the proof's nextUpdate and after a delegated signer
    /// expires (checking the signer now would let its expiry resurrect the certificate), and
    /// the clock plays no part. A hold is not final: a record holding one is no evidence,
    /// however it was signed, since an old hold says nothing about today.
    static func verify(_ bytes: [UInt8], for subject: StapleSubject) -> Result<VerifiedStaple, EvidenceProblem> {
        let response: OCSPResponse
        do {
            response = try OCSPResponse(derOrPEM: bytes)
        } catch {
            return .failure(.noProof(StapleOnDisk.describeWithoutContent(error)))
        }
        let ours = response.basic?.responses.filter { $0.certID.identifies(subject.leaf, issuedBy: subject.issuer) } ?? []
        guard let revoked = ours.first(where: { $0.status.isFinalRevocation }) else {
            return .failure(ours.contains { $0.status.isOnHold } ? .onHold : .notRevoked)
        }
        switch StapleOnDisk.verifyAheadOfTheClock(response, for: subject, extraCertificates: [], at: revoked.thisUpdate) {
        case .failure(let failure): return .failure(.doesNotVerify(failure.description))
        case .success(let staple) where staple.status.isFinalRevocation: return .success(staple)
        case .success(let staple) where staple.status.isOnHold: return .failure(.onHold)
        case .success: return .failure(.notRevoked)
        }
    }

    enum EvidenceProblem: Error, Equatable, CustomStringConvertible {
        case noProof(String)
        case notRevoked
        /// Revoked with reason certificateHold: a suspension the CA can lift, not a revocation.
        case onHold
        case doesNotVerify(String)

        var description: String {
            switch self {
            case .noProof(let reason): return "it holds no OCSP proof (\(reason))"
            case .notRevoked: return "its proof does not say this certificate is revoked"
            case .onHold: return "its proof says certificateHold, a suspension the CA can lift, not a final revocation"
            case .doesNotVerify(let reason): return "its proof does not verify against the certificate's issuer: \(reason)"
            }
        }
    }

    /// The header line saying the `on-revoked` hook was started.
    static let hookStartedPrefix = Array("on-revoked: ".utf8)
    private static let proofStart = Array("-----BEGIN OCSP RESPONSE-----".utf8)

    /// Whether the record's header (the lines before its proof) says the `on-revoked` hook
    /// was started. Header lines hold nothing that could forge one (`plain`).
    static func saysHookStarted(_ record: [UInt8]) -> Bool {
        let header = record[..<(firstIndex(of: proofStart, in: record) ?? record.endIndex)]
        return header.split(separator: UInt8(ascii: "\n")).contains { $0.starts(with: hookStartedPrefix) }
    }

    /// `record` without any header line saying the `on-revoked` hook was started: a record
    /// ocspd does not believe as its own is copied as evidence, never as a mark.
    static func withoutHookMark(_ record: [UInt8]) -> [UInt8] {
        guard saysHookStarted(record), let start = firstIndex(of: proofStart, in: record) else { return record }
        let lines = record[..<start].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let kept = lines.filter { !$0.starts(with: hookStartedPrefix) }
        return Array(kept.joined(separator: [UInt8(ascii: "\n")])) + record[start...]
    }

    /// `record` with the line saying the `on-revoked` hook was started at `moment`, just
    /// before its proof (the proof is unchanged, so the record verifies as before).
    static func markingHookStarted(_ record: [UInt8], at moment: Date, while output: String) -> [UInt8] {
        guard !saysHookStarted(record), let start = firstIndex(of: proofStart, in: record) else { return record }
        let line =
            "on-revoked: the hook was started at \(RFC3339.string(moment)) while refreshing \(plain(output)); it is not run again for this certificate\n\n"
        var marked = Array(record[..<start])
        while marked.last == UInt8(ascii: "\n") && marked.dropLast().last == UInt8(ascii: "\n") { marked.removeLast() }
        return marked + Array(line.utf8) + record[start...]
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        return (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// One line of text, with nothing that could read as a line break or a PEM marker.
    private static func plain(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
            .replacingOccurrences(of: "-----", with: "- - -")
    }

    private static func pem(_ der: [UInt8]) -> [UInt8] {
        let encoded = Array(Data(der).base64EncodedString().utf8)
        var text = Array("-----BEGIN OCSP RESPONSE-----\n".utf8)
        var start = 0
        while start < encoded.count {
            let end = min(start + 64, encoded.count)
            text += encoded[start..<end] + [UInt8(ascii: "\n")]
            start = end
        }
        return text + Array("-----END OCSP RESPONSE-----\n".utf8)
    }
}
