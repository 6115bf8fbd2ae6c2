import Foundation

/// The folders a load opens files in, and the process's own descriptor folder, each opened
/// once (`O_PATH`) for the load: a file is then found from its folder, without walking its
/// whole path again, and a checked descriptor is reopened from `/proc/self/fd` without
/// walking `/proc/self/fd` again (the two walks were a third of a 10,000-entry load's kernel
/// time, measured with `perf`).
///
/// Only the folder of the previous file is kept, opened when a second file in a row is in it:
/// one folder of 10,000 chains is opened once, and one folder per chain
/// (`/etc/letsencrypt/live/NAME/`) costs no call more than before. A file named through a
/// folder descriptor is in the folder as it was when the descriptor was opened, during this
/// load. Anything else (a folder that cannot be opened, a path without a folder, a NUL) is
/// opened by its whole path, as `FileBytes` does.
final class LoadDescriptors {
    /// The previous file's folder, as bytes, and its descriptor: `notOpened`, or -1 when
    /// it could not be opened.
    private var folder: [UInt8] = []
    private var folderDescriptor: Int32 = notOpened
    /// `/proc/self/fd`, or -1 when it is not there or not the kernel's
    /// (`ReadableReopen.openOwnDescriptorFolder`); nil until asked.
    private var ownDescriptors: Int32?

    private static let notOpened: Int32 = -2

    deinit {
        if folderDescriptor >= 0 { close(folderDescriptor) }
        if let ownDescriptors, ownDescriptors >= 0 { close(ownDescriptors) }
    }

    /// `open(path, flags)`, from the folder's descriptor when the previous path was in it.
    func open(_ path: String, flags: Int32) -> Int32 {
        fromFolder(path, whole: { Glibc.open($0, flags) }, relative: { openat($0, $1, flags) })
    }

    /// `lstat(path, &status)`, from the folder's descriptor when the previous path was in it.
    func linkStatus(_ path: String, _ status: inout stat) -> Int32 {
        fromFolder(path, whole: { lstat($0, &status) }, relative: { fstatat($0, $1, &status, AT_SYMLINK_NOFOLLOW) })
    }

    private func fromFolder(
        _ path: String, whole: (String) -> Int32, relative: (Int32, UnsafePointer<CChar>) -> Int32
    ) -> Int32 {
        guard let slash = sameFolderSlash(path) else { return whole(path) }
        if folderDescriptor == Self.notOpened {
            folderDescriptor = Glibc.open(String(decoding: folder, as: UTF8.self), O_PATH | O_DIRECTORY | O_CLOEXEC)
            if folderDescriptor < 0 { folderDescriptor = -1 }
        }
        guard folderDescriptor >= 0 else { return whole(path) }
        let descriptor = folderDescriptor
        return path.withCString { relative(descriptor, $0 + slash + 1) }
    }

    /// Where the last `/` of `path` is when the path's folder is the previous file's (and the
    /// path holds no NUL, its name is not empty); else remembers its folder and answers nil.
    private func sameFolderSlash(_ path: String) -> Int? {
        var path = path
        return path.withUTF8 { bytes -> Int? in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), slash > 0, slash + 1 < bytes.count, !bytes.contains(0)
            else { return nil }
            let pathFolder = UnsafeBufferPointer(rebasing: bytes[..<slash])
            if pathFolder.elementsEqual(folder) { return slash }
            if folderDescriptor >= 0 { close(folderDescriptor) }
            folder = Array(pathFolder)
            folderDescriptor = Self.notOpened
            return nil
        }
    }

    /// `ReadableReopen.open(handle, checked:, byName:)`, the same opening of the same file
    /// (its `/proc/self/fd` entry) and the same check of what was opened, from a descriptor
    /// of `/proc/self/fd` opened once; without `/proc`, `ReadableReopen` itself.
    func reopen(_ handle: Int32, checked: stat, path: String) -> Result<Int32, ReadableReopen.Failure> {
        ReadableReopen.open(
            handle, checked: checked, byName: { openat(AT_FDCWD, path, ReadableReopen.flags) }, descriptorFolder: ownDescriptorFolder())
    }

    private func ownDescriptorFolder() -> Int32 {
        if let ownDescriptors { return ownDescriptors }
        let opened = ReadableReopen.openOwnDescriptorFolder()
        ownDescriptors = opened
        return opened
    }
}
