import Foundation

/// The names in a folder, as bytes. FileManager decodes names with replacement, so a name
/// that is not UTF-8 would be listed as another file's name; here it stays what it is, and
/// whoever uses it decides (a watched folder refuses it as that entry's failure).
enum FolderListing {
    /// Every name but `.` and `..`, or why the folder cannot be listed. `opendir` opens with
    /// O_DIRECTORY, so a FIFO at the path fails at once instead of blocking.
    static func names(in folder: String) -> Result<[[UInt8]], FolderListingError> {
        guard let directory = opendir(folder) else { return .failure(FolderListingError(folder: folder, code: errno)) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { return .failure(FolderListingError(folder: folder, code: errno)) }
                return .success(names)
            }
            let name = Self.name(of: entry)
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
    }

    /// The entry's name, read where it lies. glibc guarantees only `d_reclen` bytes of an
    /// entry, not a whole `struct dirent`: copying `entry.pointee` can read past the end of
    /// readdir's buffer (a crash when that is the end of a page), so the name is taken in
    /// place up to its terminating zero, which lies within the record.
    private static func name(of entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { return [] }
        let start = UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self)
        return Array(UnsafeRawBufferPointer(start: start, count: strlen(start)))
    }
}

struct FolderListingError: Error, CustomStringConvertible {
    let folder: String
    let code: Int32

    var description: String { "cannot list the folder \(folder): \(String(cString: strerror(code)))" }
}
