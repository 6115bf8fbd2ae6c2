import Foundation

/// What happened to the entries of one folder, from inotify: the kernel queues every event,
/// so a copy that takes a millisecond is seen as surely as a slow one (no polling race).
final class FolderEvents {
    struct Event: Equatable {
        let name: String
        let mask: UInt32

        func `is`(_ flag: Int32) -> Bool { mask & UInt32(flag) != 0 }
    }

    private let descriptor: Int32

    struct CannotWatch: Error { let folder: String }

    init(watching folder: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw CannotWatch(folder: folder) }
        let mask = UInt32(IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE)
        guard inotify_add_watch(descriptor, folder, mask) >= 0 else {
            close(descriptor)
            throw CannotWatch(folder: folder)
        }
    }

    deinit { close(descriptor) }

    /// The events queued since the last call, oldest first.
    func drain() -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return events }
            events += Self.parse(buffer.prefix(count))
        }
    }

    /// struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; } (name NUL-padded).
    private static func parse(_ bytes: ArraySlice<UInt8>) -> [Event] {
        let header = MemoryLayout<inotify_event>.size
        var events: [Event] = []
        bytes.withUnsafeBytes { raw in
            var position = 0
            while position + header <= raw.count {
                let mask = raw.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self)
                let length = Int(raw.loadUnaligned(fromByteOffset: position + 12, as: UInt32.self))
                let name = raw[(position + header)..<(position + header + length)].prefix { $0 != 0 }
                events.append(Event(name: String(decoding: name, as: UTF8.self), mask: mask))
                position += header + length
            }
        }
        return events
    }
}
