import Foundation
import Synchronization

/// What a round of refreshes looked up in the file system and takes as unchanged until it
/// ends: the walks to its folders, the kind of file system on each device, the folders its
/// input files are read from.
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
/// Reads: an input file (`FileBytes`) is opened from its folder, opened for the round as the
/// kernel finds it from the whole path (links followed), and a checked descriptor is reopened
/// from `/proc/self/fd` opened once (`ReadableReopen`): walking a chain's whole path and
/// `/proc/self/fd` for every read was a third of the kernel time of reading thousands.
///
/// Each worker thread keeps its own (`ThreadLookups`, no lock: sixteen threads on two cores
/// spun a third of a fresh run's time on one shared table's lock), so a round looks each
/// folder up once per thread. A round installs them on its worker threads (`whileCurrent`);
/// lookups anywhere else (tests, `inspect`, `check`) are made every time.
final class RoundLookups: Sendable {
    /// `/proc/self/fd` (`O_PATH`), -1 when it is not there or not the kernel's proc file
    /// system (`ReadableReopen.openOwnDescriptorFolder`): shared, never changed.
    let ownDescriptorFolder: Int32
    /// Each thread's lookups, for a thread that comes back (`whileCurrent` again).
    private let threads = Mutex<[UInt: ThreadLookups]>([:])

    init() {
        ownDescriptorFolder = ReadableReopen.openOwnDescriptorFolder()
    }

    deinit {
        if ownDescriptorFolder >= 0 { close(ownDescriptorFolder) }
    }

    /// The key of each thread's current lookups; nil if the system gave none (every lookup is
    /// then made every time, as outside a round).
    private static let threadKey: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, nil) == 0 ? key : nil
    }()

    /// The lookups of the round this thread works for, if any.
    static var current: ThreadLookups? {
        guard let key = threadKey, let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<ThreadLookups>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Syncs each folder a thread of the round wrote a staple in and left to the round
    /// (`ThreadLookups.syncLater`), once: called when the round's threads are done.
    func syncWrittenFolders() {
        let waiting = threads.withLock { threads in threads.values.map { $0.takeUnsyncedFolders() } }
        var synced: Set<ThreadLookups.FolderIdentity> = []
        for folders in waiting {
            for (identity, folder) in folders where synced.insert(identity).inserted { folder.sync() }
        }
    }

    /// Runs `body` with this round's lookups current on this thread.
    func whileCurrent<T>(_ body: () throws -> T) rethrows -> T {
        guard let key = Self.threadKey else { return try body() }
        let mine = threads.withLock { threads in
            let thread = UInt(pthread_self())
            if let known = threads[thread] { return known }
            let made = ThreadLookups(round: self)
            threads[thread] = made
            return made
        }
        let previous = pthread_getspecific(key)
        guard pthread_setspecific(key, Unmanaged.passUnretained(mine).toOpaque()) == 0 else { return try body() }
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(mine) { try body() }
    }
}
