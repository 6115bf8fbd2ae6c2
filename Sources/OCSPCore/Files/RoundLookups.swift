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
/// Reads: an input file (`FileBytes`) is opened from its folder, opened once for the round
/// as the kernel finds it from the whole path (links followed), and a checked descriptor is
/// reopened from `/proc/self/fd` opened once (`ReadableReopen`): walking a chain's whole path
/// and `/proc/self/fd` for every read was a third of the kernel time of reading thousands.
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
    /// Folders of input files, opened as the kernel finds them (`openFollowing`) once a
    /// second file is read there (nil inside: seen once), so that one folder per certificate
    /// costs no call more than the whole paths did.
    private let inputFolders = Mutex<[[UInt8]: InputFolder?]>([:])
    /// Input folders remembered at once, those seen once included.
    static let inputFolderCapacity = 64
    /// `/proc/self/fd` (`O_PATH`), -1 when it is not there; nil until asked.
    private let descriptorFolder = Mutex<Int32?>(nil)

    init() {}

    deinit {
        if let folder = descriptorFolder.withLock({ $0 }), folder >= 0 { close(folder) }
    }

    /// A folder opened `O_PATH`, closed when the last user lets go of it: a folder dropped
    /// from the table while another thread opens a file in it stays open for that thread.
    private final class InputFolder: Sendable {
        let descriptor: Int32
        init(descriptor: Int32) { self.descriptor = descriptor }
        deinit { if descriptor >= 0 { close(descriptor) } }
    }

    /// `open(path, flags)` as of the round's first look at the path's folder: opened from
    /// that folder's descriptor. Nil for a path it does not take (not absolute, no name, a
    /// `.` or `..` name, a NUL): the caller opens it by its whole path.
    func openFollowing(_ path: String, flags: Int32) -> Int32? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), !bytes.contains(0), let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let name = bytes[(slash + 1)...]
        guard !name.isEmpty, !name.elementsEqual([UInt8(ascii: ".")]), !name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) else {
            return nil
        }
        let folderBytes = slash == 0 ? [UInt8(ascii: "/")] : Array(bytes[..<slash])
        guard let folder = inputFolder(folderBytes), folder.descriptor >= 0 else { return nil }
        return withExtendedLifetime(folder) { openat(folder.descriptor, String(decoding: name, as: UTF8.self), flags) }
    }

    /// The folder `path`, opened the second time a file in it is read; nil the first time.
    private func inputFolder(_ path: [UInt8]) -> InputFolder? {
        let known = inputFolders.withLock { folders -> InputFolder?? in
            guard let entry = folders[path] else {
                if folders.count >= Self.inputFolderCapacity { folders.removeAll() }
                folders[path] = .some(nil)
                return .none
            }
            return .some(entry)
        }
        switch known {
        case .none: return nil
        case .some(let folder?): return folder
        case .some(nil):
            let opened = InputFolder(descriptor: open(String(decoding: path, as: UTF8.self), O_PATH | O_DIRECTORY | O_CLOEXEC))
            inputFolders.withLock { $0[path] = .some(opened) }
            return opened
        }
    }

    /// `/proc/self/fd`, opened once for the round (-1 when it is not there).
    func ownDescriptorFolder() -> Int32 {
        descriptorFolder.withLock { folder in
            if let folder { return folder }
            let opened = open(ReadableReopen.ownDescriptors, O_PATH | O_DIRECTORY | O_CLOEXEC)
            folder = opened >= 0 ? opened : -1
            return folder ?? -1
        }
    }

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
