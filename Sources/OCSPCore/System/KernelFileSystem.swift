import Foundation

/// File systems whose files are the kernel's interfaces rather than data on a disk: reading
/// one can act (reading /proc/kmsg takes the kernel log away from whoever else reads it) and
/// no certificate, staple or configuration ever lives there.
enum KernelFileSystem {
    /// `f_type` values from linux/magic.h.
    static let names: [UInt32: String] = [
        0x9fa0: "proc",
        0x6265_6572: "sysfs",
        0x6462_6720: "debugfs",
        0x7472_6163: "tracefs",
        0x7363_6673: "securityfs",
        0x6265_6570: "configfs",
        0x0027_e0eb: "cgroup",
        0x6367_7270: "cgroup2",
        0xcafe_4a11: "bpf",
        0x6165_676c: "pstore",
        0xde5e_81e4: "efivarfs",
        0xf97c_ff8c: "selinuxfs",
        0x4341_5d53: "smackfs",
        0x4249_4e4d: "binfmt_misc",
        0x6573_5543: "fusectl",
        0x6e73_6673: "nsfs",
        0x1cd1: "devpts",
    ]

    /// `fstatfs`, which Swift's Glibc module does not declare (sys/vfs.h): found by name.
    private typealias FileSystemStatus = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32
    private static let fileSystemStatus = SystemSymbol.function("fstatfs", as: FileSystemStatus.self)

    /// Bytes kept for a `struct statfs` (120 on x86_64 and aarch64), whose first field is
    /// `f_type`, a C long on every 64-bit Linux.
    private static let statusSize = 256

    /// The kernel file system `descriptor` (an `O_PATH` one will do) lies on, nil for any other.
    static func name(of descriptor: Int32) -> Result<String?, SystemError> {
        guard let fileSystemStatus else { return .failure(SystemError(ENOSYS)) }
        let status = UnsafeMutableRawPointer.allocate(byteCount: statusSize, alignment: MemoryLayout<Int>.alignment)
        defer { status.deallocate() }
        guard fileSystemStatus(descriptor, status) == 0 else { return .failure(SystemError(errno)) }
        let type = status.load(as: Int.self)
        return .success(names[UInt32(truncatingIfNeeded: type)])
    }
}
