import Foundation

/// One worker thread's part of a round's lookups (`RoundLookups`): used by that thread only,
/// so read and changed without a lock.
final class ThreadLookups: @unchecked Sendable {
    /// Folder walks kept at once: each holds a descriptor per folder on its path, and a
    /// configuration of one folder per certificate must not run out of descriptors.
    static let capacity = 16
    /// Input folders remembered at once, those seen once included.
    static let inputFolderCapacity = 64

    /// Not owned: the round owns its threads' lookups (and closes what they opened when it
    /// ends), and a thread uses them only while the round makes them current.
    unowned let round: RoundLookups

    private struct Key: Hashable {
        let folder: [UInt8]
        let owners: Set<uid_t>
        let wholePath: Bool
    }

    private var walks: [Key: (walk: PathResolver.FolderWalk, used: Int)] = [:]
    private var uses = 0
    /// The kernel file system of each device seen (nil inside: none, a data file system).
    private var fileSystems: [dev_t: String?] = [:]
    /// Folders of input files, opened as the kernel finds them once a second file is read
    /// there (nil inside: seen once), so that one folder per certificate costs no call more
    /// than the whole paths did; -1 for one that could not be opened.
    private var inputFolders: [[UInt8]: Int32?] = [:]

    /// Folders whose renames wait to be made durable (`syncLater`), by device and inode.
    private var unsynced: [FolderIdentity: SafeFolder] = [:]

    struct FolderIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    init(round: RoundLookups) {
        self.round = round
    }

    deinit {
        for case let descriptor?? in inputFolders.values where descriptor >= 0 { close(descriptor) }
    }

    /// Folders waiting at once: each holds a descriptor, and a round writing into one folder
    /// per certificate must not run out of them (more are synced at once, then kept again).
    static let unsyncedCapacity = 16

    /// Makes `folder`'s renames durable later: before this thread runs a hook, or when the round ends.
    func syncLater(_ folder: SafeFolder) {
        let identity = FolderIdentity(device: UInt64(folder.status.st_dev), inode: UInt64(folder.status.st_ino))
        if unsynced[identity] == nil, unsynced.count >= Self.unsyncedCapacity { syncWrittenFolders() }
        unsynced[identity] = folder
    }

    /// Syncs the folders this thread wrote in and has not synced: before a hook runs, so that
    /// what it acts on survives a power cut.
    func syncWrittenFolders() {
        for folder in takeUnsyncedFolders().values { folder.sync() }
    }

    /// The folders waiting, handed over (the round's end syncs them).
    func takeUnsyncedFolders() -> [FolderIdentity: SafeFolder] {
        defer { unsynced.removeAll() }
        return unsynced
    }

    /// `/proc/self/fd`, opened once for the round (-1 when it is not there).
    var ownDescriptorFolder: Int32 { round.ownDescriptorFolder }

    /// `PathResolver.resolve` of `absolute` (which `given` names, for messages).
    func resolve(_ absolute: String, given: String, trust: PathTrust, wholePath: Bool) -> Result<ResolvedPath, PathError> {
        let components = PathResolver.components(absolute)
        guard let name = components.last, name != ".", name != "..", !absolute.hasSuffix("/") else {
            return PathResolver.walk(components, given: given, trust: trust, wholePath: wholePath).result
        }
        let key = Key(folder: Array(components.dropLast().joined(separator: "/").utf8), owners: trust.owners, wholePath: wholePath)
        uses += 1
        if let known = walks[key] {
            walks[key] = (known.walk, uses)
            return PathResolver.resume(known.walk, name: name, given: given, trust: trust, wholePath: wholePath)
        }
        let walked = PathResolver.walk(components, given: given, trust: trust, wholePath: wholePath)
        if let folders = walked.folders {
            // The least recently used walk goes when full.
            if walks.count >= Self.capacity, let oldest = walks.min(by: { $0.value.used < $1.value.used })?.key { walks[oldest] = nil }
            walks[key] = (folders, uses)
        }
        return walked.result
    }

    /// `KernelFileSystem.name(of:)` for a file on `device`, asked of the kernel once per device.
    func kernelFileSystem(of descriptor: Int32, device: dev_t) -> Result<String?, SystemError> {
        if let known = fileSystems[device] { return .success(known) }
        let asked = KernelFileSystem.name(of: descriptor)
        if case .success(let name) = asked { fileSystems[device] = .some(name) }
        return asked
    }

    /// `open(path, flags)` as of this thread's first look at the path's folder in the round:
    /// opened from that folder's descriptor. Nil for a path it does not take (not absolute,
    /// no name, a `.` or `..` name, a NUL) or whose folder it has not opened: the caller
    /// opens it by its whole path.
    func openFollowing(_ path: String, flags: Int32) -> Int32? {
        inFolder(path) { openat($0, $1, flags) }
    }

    /// `fstatat(AT_FDCWD, path, &status, flags)`, the same way as `openFollowing`.
    func status(of path: String, _ status: inout stat, flags: Int32) -> Int32? {
        inFolder(path) { fstatat($0, $1, &status, flags) }
    }

    private func inFolder(_ path: String, _ call: (Int32, String) -> Int32) -> Int32? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), !bytes.contains(0), let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let name = bytes[(slash + 1)...]
        guard !name.isEmpty, !name.elementsEqual([UInt8(ascii: ".")]), !name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) else {
            return nil
        }
        guard let folder = inputFolder(slash == 0 ? [UInt8(ascii: "/")] : Array(bytes[..<slash])), folder >= 0 else { return nil }
        return call(folder, String(decoding: name, as: UTF8.self))
    }

    /// The folder `path`, opened the second time a file in it is read; nil the first time.
    private func inputFolder(_ path: [UInt8]) -> Int32? {
        switch inputFolders[path] {
        case .none:
            if inputFolders.count >= Self.inputFolderCapacity { forgetInputFolders() }
            inputFolders[path] = .some(nil)
            return nil
        case .some(let descriptor?):
            return descriptor
        case .some(nil):
            let opened = open(String(decoding: path, as: UTF8.self), O_PATH | O_DIRECTORY | O_CLOEXEC)
            inputFolders[path] = .some(opened >= 0 ? opened : -1)
            return opened
        }
    }

    private func forgetInputFolders() {
        for case let descriptor?? in inputFolders.values where descriptor >= 0 { close(descriptor) }
        inputFolders.removeAll()
    }
}
