import Foundation

/// Turns an `O_PATH` descriptor, which opened nothing (no driver was called, no FIFO joined,
/// no terminal taken), into a descriptor readable for the same file, once the caller has
/// looked at the file through it. Looking first and opening by name after lets a link swapped
/// in between make root open a device; reopening the descriptor itself leaves no gap.
enum ReadableReopen {
    enum Failure: Error, Equatable {
        case system(Int32)
        /// What was opened is not the file that was looked at (only possible by name).
        case replaced
    }

    static let flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
    static let ownDescriptors = "/proc/self/fd"

    /// `/proc/self/fd` opened (`O_PATH`) when it is the kernel's proc file system, else -1.
    /// An entry of that folder is the open file itself: what is opened through it is the
    /// inode looked at, with no need to look again (one `fstat` less per file read). Anything
    /// else at `/proc` (a chroot's own folder) is not trusted so: reopened by path, checked.
    static func openOwnDescriptorFolder(at path: String = ownDescriptors) -> Int32 {
        let opened = Glibc.open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard opened >= 0 else { return -1 }
        guard case .success(.some("proc")) = KernelFileSystem.name(of: opened) else {
            close(opened)
            return -1
        }
        return opened
    }

    /// - Parameters:
    ///   - handle: the `O_PATH` descriptor the caller checked, with `checked` its status.
    ///   - byName: opens the file again by name with `flags`, for when /proc is not mounted.
    ///   - descriptors: where the process's descriptors are seen (tests name a missing one).
    ///   - descriptorFolder: `/proc/self/fd` already open and known to be the kernel's
    ///     (`openOwnDescriptorFolder`), so that the entry is found without walking
    ///     `/proc/self/fd` again; by default the round's, if any (`RoundLookups`).
    static func open(
        _ handle: Int32, checked: stat, byName: () -> Int32,
        descriptors: String = ownDescriptors, descriptorFolder: Int32? = nil
    ) -> Result<Int32, Failure> {
        // /proc/self/fd/N is the open file itself, not a name that could be changed.
        var descriptor: Int32
        if descriptors == ownDescriptors, let folder = descriptorFolder ?? RoundLookups.current?.ownDescriptorFolder, folder >= 0 {
            descriptor = openat(folder, String(handle), flags)
            // The kernel's own entry for `handle`: the very inode checked.
            if descriptor >= 0 { return .success(descriptor) }
        } else {
            descriptor = Glibc.open("\(descriptors)/\(handle)", flags)
        }
        if descriptor < 0, errno == ENOENT {
            // No /proc (a chroot): by name again. Still bounded: a swap can at most make the
            // open reach something else, never block (O_NONBLOCK) or take a terminal
            // (O_NOCTTY), and nothing but the inode that was checked is ever read (below).
            descriptor = byName()
        }
        guard descriptor >= 0 else { return .failure(.system(errno)) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            return .failure(.system(code))
        }
        guard status.st_dev == checked.st_dev, status.st_ino == checked.st_ino else {
            close(descriptor)
            return .failure(.replaced)
        }
        return .success(descriptor)
    }
}
