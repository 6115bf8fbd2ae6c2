import Foundation

/// The ledger as the lock-free judgements see it (the fresh-staple fast path, `check` and the
/// metrics file from a verified record): whether anything is at either record name of a
/// certificate, or this process remembers a revocation it could not record. Existence only:
/// no read, no verification, so a fresh staple costs a few `fstatat` calls more. Whenever this
/// says yes, the caller takes its full path, which reads and verifies the records (a file that
/// is no evidence costs its certificate the fast path, nothing more).
extension RevocationLedger {
    /// - Parameters:
    ///   - name: `certificateName` of the certificate (issuer key hash and serial).
    ///   - outputIsPlain: true when the caller has just seen that the output's last component
    ///     is no symlink (`FileBytes.readNotingLink`); otherwise it is looked at here.
    public func mayHoldRecord(named name: String, outputIsPlain: Bool? = nil) -> Bool {
        if Self.remembersUnrecorded(name) { return true }
        return Self.somethingIsAt("\(stateDirectory)/revoked-\(name)")
            || somethingIsBesideTheStaple(".ocspd-revoked-\(name)", outputIsPlain: outputIsPlain == true)
    }

    /// In the folder the staple really is in. The kernel reaches the same folder as the path
    /// resolver (links in folders followed, `..` taken after them) unless the output itself is
    /// a link: then the resolver says where it leads (a link it refuses: "maybe", and the full
    /// path says what is wrong).
    private func somethingIsBesideTheStaple(_ recordName: String, outputIsPlain: Bool) -> Bool {
        var status = stat()
        if !outputIsPlain, Self.linkStatus(outputPath, &status) == 0, FileKind(mode: status.st_mode) == .symlink {
            guard case .success(let output) = PathResolver.resolve(outputPath) else { return true }
            return Self.somethingIsAt(output.folder.descriptor, recordName)
        }
        return Self.somethingIsAt(Self.folder(of: outputPath) + "/" + recordName)
    }

    /// `lstat`, from the round's folder descriptor when a round has one (`ThreadLookups`).
    private static func linkStatus(_ path: String, _ status: inout stat) -> Int32 {
        RoundLookups.current?.status(of: path, &status, flags: AT_SYMLINK_NOFOLLOW) ?? fstatat(AT_FDCWD, path, &status, AT_SYMLINK_NOFOLLOW)
    }

    private static func somethingIsAt(_ path: String) -> Bool {
        var status = stat()
        if linkStatus(path, &status) == 0 { return true }
        return errno != ENOENT && errno != ENOTDIR
    }

    /// The output's folder as written (not normalised: `..` must be taken after links).
    static func folder(of path: String) -> String {
        guard let slash = lastSlash(in: path) else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }

    /// Where the last `/` character is. In ASCII text every `/` byte is a character of its
    /// own (the only ASCII cluster, CR LF, holds none), so the bytes are searched; any other
    /// text by characters, as before (a character searched for is many times dearer).
    static func lastSlash(in path: String) -> String.Index? {
        guard path.utf8.allSatisfy({ $0 < 0x80 }) else { return path.lastIndex(of: "/") }
        return path.utf8.lastIndex(of: UInt8(ascii: "/"))
    }

    /// Anything at all at the name, or no way to tell (a folder not searchable, a name too
    /// long): only "no such file" is "nothing".
    private static func somethingIsAt(_ folder: Int32, _ name: String) -> Bool {
        var status = stat()
        if fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return true }
        return errno != ENOENT && errno != ENOTDIR
    }
}
