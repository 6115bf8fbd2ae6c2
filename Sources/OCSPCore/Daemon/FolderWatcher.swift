import Foundation
import Synchronization

/// Tells the daemon at once when something changes in a folder that holds chain files (a
/// renewal replacing a chain or its symlink, a new certificate in a watched folder), so it
/// need not stat every chain every few seconds: with thousands of staples an idle daemon
/// then sleeps until a refresh is due. Linux inotify. The periodic check (`watch-interval`)
/// stays as the safety net for what inotify cannot see (NFS, FUSE, a full watch table).
final class FolderWatcher: @unchecked Sendable {
    private let inotify: Int32
    /// Written to by `stop()` to end the reading thread's poll.
    private let wake: (read: Int32, write: Int32)
    /// Keyed by the folder's bytes: NFC and NFD spellings are two folders, two watches.
    private let watches = Mutex<[PathKey: Int32]>([:])

    private static let mask = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB
            | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    init?() {
        inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0 else { return nil }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(inotify)
            return nil
        }
        // Hooks are spawned while this runs; they must not inherit the pipe.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        wake = (ends[0], ends[1])
    }

    deinit {
        close(inotify)
        close(wake.read)
        close(wake.write)
    }

    /// Watches exactly `folders` from now on. Returns the folders that cannot be watched, with why.
    func watch(_ folders: Set<PathKey>) -> [PathKey: String] {
        watches.withLock { current in
            for (folder, descriptor) in current where !folders.contains(folder) {
                inotify_rm_watch(inotify, descriptor)
                current[folder] = nil
            }
            var failed: [PathKey: String] = [:]
            for folder in folders where current[folder] == nil {
                let descriptor = (folder.bytes + [0]).withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { inotify_add_watch(inotify, $0.baseAddress, Self.mask) }
                }
                if descriptor >= 0 {
                    current[folder] = descriptor
                } else {
                    let reason =
                        errno == ENOSPC
                        ? "the inotify watch limit is reached (raise fs.inotify.max_user_watches)"
                        : String(cString: strerror(errno))
                    failed[folder] = reason
                }
            }
            return failed
        }
    }

    /// Calls `changed` on a thread of its own after each batch of changes, until `stop()`.
    func start(_ changed: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var descriptors = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                let ready = poll(&descriptors, 2, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if descriptors[1].revents != 0 { return }
                if descriptors[0].revents != 0 {
                    // What changed does not matter: the daemon stats its chains once, which is cheap.
                    let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
                    if count > 0 {
                        forgetRemovedWatches(in: buffer.prefix(count))
                        changed()
                    }
                }
            }
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// A watched folder that is deleted or unmounted loses its watch (IN_IGNORED); forgetting
    /// it lets the next `watch` add one again when a folder of that name is back.
    private func forgetRemovedWatches(in events: ArraySlice<UInt8>) {
        var gone: Set<Int32> = []
        let header = MemoryLayout<inotify_event>.size
        events.withUnsafeBytes { raw in
            var position = 0
            while position + header <= raw.count {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
                let descriptor = raw.loadUnaligned(fromByteOffset: position, as: Int32.self)
                let mask = raw.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self)
                let nameLength = raw.loadUnaligned(fromByteOffset: position + 12, as: UInt32.self)
                if mask & UInt32(IN_IGNORED) != 0 { gone.insert(descriptor) }
                position += header + Int(nameLength)
            }
        }
        guard !gone.isEmpty else { return }
        watches.withLock { current in
            for (folder, descriptor) in current where gone.contains(descriptor) {
                current[folder] = nil
            }
        }
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }
}
