import Foundation

/// Puts a staple file in place atomically, so a server reading it at any moment sees the
/// old file or the new one, never a mix, an empty file or nothing.
///
/// The temp file is created exclusively (`O_EXCL | O_NOFOLLOW`, never through a symlink)
/// in the output's own folder under a dot-name (HAProxy loads every non-dot file in a `crt`
/// folder as a certificate), written, fsynced, given the old file's mode (else 0644),
/// renamed over the output, and the folder fsynced so the rename survives a crash.
///
/// A writer holding the staple's lock uses one fixed temp name per output, so cleaning what
/// a killed run left is one unlink, not a scan of a folder that may hold thousands of staples.
/// Writers without a lock (the metrics file) use a random name.
public enum StapleWriter {
    /// Temp files carry this marker, so a later run can recognise and clean the ones a killed run left.
    public static let temporaryMarker = ".ocspd-tmp-"

    /// How the temp file is named.
    public enum Temporary: Sendable {
        /// The caller holds the output's lock: no other writer can be using the fixed name.
        case lockHeld
        /// Several writers may race: a random name each.
        case unique
    }

    /// The fixed temp file of a writer holding the lock on `path`.
    public static func lockedTemporaryPath(for path: String) -> String {
        let target = resolvedTarget(path)
        return "\(folder(of: target))/.\((target as NSString).lastPathComponent)\(temporaryMarker)locked"
    }

    /// How far a write goes to survive a power cut.
    public enum Durability: Sendable {
        /// The file and the rename are on disk before `write` returns: staples.
        case synced
        /// Atomic for every reader, but a power cut may lose it: bookkeeping that is safe to
        /// lose (the state: a lost one means one extra fetch), spared two fsyncs per staple.
        case atomicOnly
    }

    public static func write(_ bytes: [UInt8], to path: String, temporary naming: Temporary = .unique,
                             durability: Durability = .synced) throws(StapleWriteError) {
        let target = resolvedTarget(path)
        let folder = folder(of: target)
        let name = (target as NSString).lastPathComponent

        var existing = stat()
        let hasExisting = lstat(target, &existing) == 0
        if hasExisting, existing.st_mode & S_IFMT == S_IFDIR {
            throw .outputIsDirectory(path: target)
        }
        let mode = hasExisting ? existing.st_mode & 0o7777 : 0o644

        let temporary: String
        switch naming {
        case .lockHeld:
            temporary = "\(folder)/.\(name)\(temporaryMarker)locked"
        case .unique:
            temporary = "\(folder)/.\(name)\(temporaryMarker)\(randomSuffix())"
        }
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor < 0, errno == EEXIST, case .lockHeld = naming {
            // Left by a run killed mid-write; nobody else writes it while we hold the lock.
            unlink(temporary)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard descriptor >= 0 else {
            throw .cannotCreate(folder: folder, reason: FileReadError(errno: errno).description)
        }
        var keepTemporary = false
        defer {
            if !keepTemporary { unlink(temporary) }
        }
        do throws(StapleWriteError) {
            try writeAll(bytes, to: descriptor, path: target)
            if hasExisting, getuid() == 0 {
                // Keep the owner the operator chose (nginx reading as www-data, say).
                _ = fchown(descriptor, existing.st_uid, existing.st_gid)
            }
            guard fchmod(descriptor, mode) == 0 else { throw .writeFailed(path: target, reason: errnoText()) }
            if durability == .synced {
                guard fsync(descriptor) == 0 else { throw .writeFailed(path: target, reason: errnoText()) }
            }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw .writeFailed(path: target, reason: errnoText()) }
        guard rename(temporary, target) == 0 else { throw .renameFailed(path: target, reason: errnoText()) }
        keepTemporary = true
        if durability == .synced { syncFolder(folder) }
    }

    /// Removes the temp file a killed run left beside `path`. Call only while holding the staple's lock.
    public static func removeStaleTemporary(besides path: String) {
        // Looked up first: an unlink takes the folder's write lock even when nothing is
        // there, and thousands of staples share one folder.
        let temporary = lockedTemporaryPath(for: path)
        var status = stat()
        if lstat(temporary, &status) == 0 { unlink(temporary) }
    }

    private static func folder(of target: String) -> String {
        let folder = (target as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Removes a staple: one unlink, atomic, never a truncation a reader could catch half-way.
    public static func remove(_ path: String) throws(StapleWriteError) {
        let target = resolvedTarget(path)
        guard unlink(target) == 0 || errno == ENOENT else { throw .removeFailed(path: target, reason: errnoText()) }
        syncFolder(folder(of: target))
    }

    /// A symlinked output (certbot-style `live/` links) is written through: the link's
    /// target file is replaced, and the link stays a link.
    static func resolvedTarget(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return path }
        guard let resolved = realpath(path, nil) else {
            // A dangling link: write where it points.
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(path, &buffer, buffer.count - 1)
            guard length > 0 else { return path }
            let destination = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return destination.hasPrefix("/") ? destination : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(StapleWriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(path: path, reason: errnoText())
            }
            offset += written
        }
    }

    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func randomSuffix() -> String {
        (0..<8).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
    }

    private static func errnoText() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }
}

public enum StapleWriteError: Error, Equatable, CustomStringConvertible {
    case outputIsDirectory(path: String)
    case cannotCreate(folder: String, reason: String)
    case writeFailed(path: String, reason: String)
    case renameFailed(path: String, reason: String)
    case removeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .outputIsDirectory(let path):
            return "the output \(path) is a directory; --output names the staple file itself"
        case .cannotCreate(let folder, let reason):
            return "cannot create a file in \(folder): \(reason); check that the folder exists and ocspd may write there"
        case .writeFailed(let path, let reason):
            return "writing \(path) failed: \(reason); the previous file is untouched"
        case .renameFailed(let path, let reason):
            return "cannot put the new staple in place at \(path): \(reason); the previous file is untouched"
        case .removeFailed(let path, let reason):
            return "cannot remove the stale staple \(path): \(reason)"
        }
    }
}
