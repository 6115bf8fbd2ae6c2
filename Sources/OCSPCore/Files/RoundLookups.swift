import Foundation
import Synchronization

/// What a round of refreshes looked up in the file system and takes as unchanged until it
/// ends: the walks to its folders, and the kind of file system on each device.
///
/// Folders: thousands of staples share a handful of folders, and resolving each path from `/`
/// component by component (four system calls a folder) for each lock, read and write of each
/// staple was most of a first run's kernel time. Only the walk to a path's folder is
/// remembered; its last name is looked at anew every time. What is kept is what the walk
/// checked and opened: the folder's descriptor, so everything done there still happens in
/// the very folder that was checked, as within one resolution. A folder moved, re-linked or
/// re-permissioned during the round is seen by the next round (the daemon's, or the next
/// `refresh`); the state folder is remembered the same way, for a minute (`StateStore`).
///
/// File systems: whether a file read lies on a kernel pseudo-file system (`KernelFileSystem`)
/// is a property of its device, the same for every file on it: asked once per device.
///
/// A round installs one on each of its worker threads (`whileCurrent`); lookups anywhere
/// else (tests, `inspect`, `check`) are made every time.
final class RoundLookups: Sendable {
    /// Folders kept at once: each holds a descriptor per folder on its path, and a
    /// configuration of one folder per certificate must not run out of descriptors.
    static let capacity = 16

    private struct Key: Hashable {
        let folder: [UInt8]
        let owners: Set<uid_t>
        let wholePath: Bool
    }

    private struct Entry {
        let walk: PathResolver.FolderWalk
        var used: Int
    }

    private struct Table {
        var entries: [Key: Entry] = [:]
        var uses = 0
    }

    private let table = Mutex(Table())
    /// The kernel file system of each device seen (nil inside: none, a data file system).
    private let fileSystems = Mutex<[dev_t: String?]>([:])

    init() {}

    /// `KernelFileSystem.name(of:)` for a file on `device`, asked of the kernel once per device.
    func kernelFileSystem(of descriptor: Int32, device: dev_t) -> Result<String?, SystemError> {
        if let known = fileSystems.withLock({ $0[device] }) { return .success(known) }
        let asked = KernelFileSystem.name(of: descriptor)
        if case .success(let name) = asked { fileSystems.withLock { $0[device] = .some(name) } }
        return asked
    }

    /// `PathResolver.resolve` of `absolute` (which `given` names, for messages).
    func resolve(_ absolute: String, given: String, trust: PathTrust, wholePath: Bool) -> Result<ResolvedPath, PathError> {
        let components = PathResolver.components(absolute)
        guard let name = components.last, name != ".", name != "..", !absolute.hasSuffix("/") else {
            return PathResolver.walk(components, given: given, trust: trust, wholePath: wholePath).result
        }
        let key = Key(folder: Array(components.dropLast().joined(separator: "/").utf8), owners: trust.owners, wholePath: wholePath)
        if let folders = remembered(key) {
            return PathResolver.resume(folders, name: name, given: given, trust: trust, wholePath: wholePath)
        }
        let walked = PathResolver.walk(components, given: given, trust: trust, wholePath: wholePath)
        if let folders = walked.folders { remember(folders, as: key) }
        return walked.result
    }

    private func remembered(_ key: Key) -> PathResolver.FolderWalk? {
        table.withLock { table in
            guard var entry = table.entries[key] else { return nil }
            table.uses += 1
            entry.used = table.uses
            table.entries[key] = entry
            return entry.walk
        }
    }

    /// Keeps `folders`, forgetting the least recently used folder when full.
    private func remember(_ folders: PathResolver.FolderWalk, as key: Key) {
        table.withLock { table in
            if table.entries[key] == nil, table.entries.count >= Self.capacity,
                let oldest = table.entries.min(by: { $0.value.used < $1.value.used })?.key
            {
                table.entries[oldest] = nil
            }
            table.uses += 1
            table.entries[key] = Entry(walk: folders, used: table.uses)
        }
    }
}

extension RoundLookups {
    /// The key of each thread's current lookups; nil if the system gave none (every lookup is
    /// then made every time, as outside a round).
    private static let threadKey: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, nil) == 0 ? key : nil
    }()

    /// The lookups of the round this thread works for, if any.
    static var current: RoundLookups? {
        guard let key = threadKey, let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<RoundLookups>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Runs `body` with these lookups current on this thread.
    func whileCurrent<T>(_ body: () throws -> T) rethrows -> T {
        guard let key = Self.threadKey else { return try body() }
        let previous = pthread_getspecific(key)
        guard pthread_setspecific(key, Unmanaged.passUnretained(self).toOpaque()) == 0 else { return try body() }
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}
