import Foundation

/// Puts a file ocspd owns in place atomically (a staple, a state file, a revocation record,
/// the metrics file, the counter ledger), so a reader at any moment sees the old file or the
/// new one, never a mix, an empty file or nothing.
///
/// The path is resolved one component at a time (`PathResolver`): a symlink is followed only
/// when no one but root or ocspd's user could have planted it, never to create a file through
/// a dangling link, and only a regular file is ever replaced. Everything then happens in the
/// file's open folder: the temp file is created exclusively (`O_EXCL | O_NOFOLLOW`) under a
/// dot-name (HAProxy loads every non-dot file in a `crt` folder), written, fsynced, given the
/// old file's mode and owner as far as they are safe to keep (`InheritedOwnership`; else
/// 0644), renamed over the file in the same folder, and the folder fsynced so the rename
/// survives a crash.
///
/// A writer holding the file's lock uses one fixed temp name per file, so cleaning what a
/// killed run left is one unlink, not a scan of a folder that may hold thousands of staples.
/// Writers without a lock (the metrics file, revocation records) use a random name.
public enum AtomicFileWriter {
    /// Temp files carry this marker, so a later run can recognise and clean the ones a killed run left.
    public static let temporaryMarker = ".ocspd-tmp-"

    /// How the temp file is named.
    public enum Temporary: Sendable {
        /// The caller holds the file's lock: no other writer can be using the fixed name.
        case lockHeld
        /// Several writers may race: a random name each.
        case unique
    }

    /// How far a write goes to survive a power cut.
    public enum Durability: Sendable {
        /// The file and the rename are on disk before `write` returns: revocation records, the
        /// counter ledger, a state that learned a revocation.
        case synced
        /// The file is on disk before it is renamed into place (never an empty or partial staple
        /// after a power cut); the rename is made durable by the round the write is part of:
        /// its folder fsynced once when the round ends and before any hook runs
        /// (`RoundLookups`), at once outside a round. Staples: a round writing 10,000 into one
        /// folder synced it 10,000 times, a tenth of a written staple's CPU time (virtio).
        /// A power cut within the round leaves the previous staple in place, which the next
        /// run finds not to be the one its state names, and refreshes.
        case syncedByRound
        /// Atomic for every reader, but a power cut may lose it: bookkeeping that is safe to
        /// lose (the state: a lost one means one extra fetch), spared two fsyncs per staple.
        case atomicOnly
    }

    /// Whose the new file is.
    public enum Ownership: Sendable {
        /// The replaced file's owner, as far as it is safe to keep (`InheritedOwnership`):
        /// staples and the metrics file, whose owner the operator chose, and revocation records.
        case inherited
        /// The writer's: ocspd's own records (state files, the counter ledger), believed only
        /// when root's or the running user's (`StateFileTrust`). A file another user planted
        /// at the name must not hand its owner on, or root would never believe what it wrote.
        case writers
    }

    /// Writes `bytes` as `file` at `path`. Returns the path really written: `path`, or the
    /// file a trusted link leads to.
    @discardableResult
    public static func write(
        _ bytes: [UInt8], as file: OwnedFile, to path: String, temporary naming: Temporary = .unique,
        durability: Durability = .synced, ownership: Ownership = .inherited
    ) throws(AtomicWriteError) -> String {
        do throws(AtomicWriteError.Failure) {
            return try place(bytes, at: path, naming: naming, durability: durability, ownership: ownership)
        } catch {
            throw AtomicWriteError(file, error)
        }
    }

    /// `path` resolved, when what is there may be replaced: nothing yet, or a regular file.
    static func replaceable(_ path: String) throws(AtomicWriteError.Failure) -> ResolvedPath {
        if PathResolver.namesAFolder(path) { throw .namesAFolder(path: path) }
        let output: ResolvedPath
        switch PathResolver.resolve(path) {
        case .failure(let error): throw .unsafePath(error)
        case .success(let resolved): output = resolved
        }
        if let link = output.danglingLink { throw .danglingLink(link: link, target: output.path) }
        switch output.kind {
        case nil, .regularFile?: return output
        case .folder?: throw .outputIsDirectory(path: output.path)
        case let kind?: throw .notRegularFile(path: output.path, kind: kind)
        }
    }

    /// The fixed temp file of a writer holding the lock on `path`.
    static func lockedTemporaryPath(for path: String) -> String {
        switch PathResolver.resolve(path) {
        case .success(let output):
            return output.folder.shown(temporaryName(for: output.name, naming: .lockHeld))
        case .failure:
            let folder = (path as NSString).deletingLastPathComponent
            return (folder.isEmpty ? "" : folder + "/") + temporaryName(for: (path as NSString).lastPathComponent, naming: .lockHeld)
        }
    }

    /// Removes the temp file a killed run left beside `path`. Call only while holding `path`'s lock.
    public static func removeStaleTemporary(besides path: String) {
        guard case .success(let output) = PathResolver.resolve(path) else { return }
        // Looked up first: an unlink takes the folder's write lock even when nothing is
        // there, and thousands of staples share one folder.
        try? clearLeftover(temporaryName(for: output.name, naming: .lockHeld), in: output.folder)
    }

    private static func place(
        _ bytes: [UInt8], at path: String, naming: Temporary, durability: Durability, ownership: Ownership
    ) throws(AtomicWriteError.Failure) -> String {
        let output = try replaceable(path)
        let folder = output.folder
        let inherited = InheritedOwnership(existing: output.entry, folder: folder.status)
        let (descriptor, temporary) = try createTemporary(in: folder, for: output.name, naming: naming)
        var placed = false
        defer {
            if !placed { _ = folder.unlink(temporary) }
        }
        do throws(AtomicWriteError.Failure) {
            try writeAll(bytes, to: descriptor, path: output.path)
            if let owner = inherited.owner, case .inherited = ownership, ProcessUser.effective == 0 {
                // Keep the owner the operator chose (nginx reading as www-data, say).
                _ = fchown(descriptor, owner.uid, owner.gid)
            }
            guard fchmod(descriptor, inherited.mode) == 0 else { throw .writeFailed(path: output.path, reason: SystemError(errno).text) }
            if durability != .atomicOnly {
                guard fsync(descriptor) == 0 else { throw .writeFailed(path: output.path, reason: SystemError(errno).text) }
            }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw .writeFailed(path: output.path, reason: SystemError(errno).text) }
        if let code = folder.rename(temporary, to: output.name) {
            throw .renameFailed(path: output.path, reason: SystemError(code).text)
        }
        placed = true
        switch durability {
        case .synced: folder.sync()
        case .syncedByRound:
            if let round = RoundLookups.current { round.syncLater(folder) } else { folder.sync() }
        case .atomicOnly: break
        }
        return output.path
    }

    private static func temporaryName(for name: String, naming: Temporary) -> String {
        switch naming {
        case .lockHeld: return SidecarName.make(for: name, suffix: "\(temporaryMarker)locked")
        case .unique: return SidecarName.make(for: name, suffix: "\(temporaryMarker)\(randomSuffix())")
        }
    }

    private static func createTemporary(
        in folder: SafeFolder, for name: String, naming: Temporary
    ) throws(AtomicWriteError.Failure) -> (Int32, String) {
        // A lock holder clears its own leftover and tries again; a random name is tried anew.
        for _ in 0..<3 {
            let temporary = temporaryName(for: name, naming: naming)
            switch folder.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL) {
            case .success(let descriptor): return (descriptor, temporary)
            case .failure(EEXIST):
                if case .lockHeld = naming { try clearLeftover(temporary, in: folder) }
            case .failure(let error):
                throw .cannotCreate(folder: folder.path, reason: error.text)
            }
        }
        throw .cannotCreate(folder: folder.path, reason: "the temp name stays taken")
    }

    /// Removes a temp file left by a run killed mid-write: nobody else writes it while we
    /// hold the lock. Only a file or a link (removing a link never touches its target) is
    /// ocspd's to remove; anything else was put there by someone else.
    private static func clearLeftover(_ temporary: String, in folder: SafeFolder) throws(AtomicWriteError.Failure) {
        guard case .success(let status) = folder.entry(temporary) else { return }
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regularFile || kind == .symlink else {
            throw .temporaryInTheWay(path: folder.shown(temporary), kind: kind)
        }
        _ = folder.unlink(temporary)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(AtomicWriteError.Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(path: path, reason: SystemError(errno).text)
            }
            offset += written
        }
    }

    private static func randomSuffix() -> String {
        (0..<8).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
    }
}
