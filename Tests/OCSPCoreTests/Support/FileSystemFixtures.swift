import Foundation
import Testing

@testable import OCSPCore

/// Planted files for the file-safety tests: links owned by someone else, device nodes, FIFOs
/// and sockets, made with the real system calls. Most need root (chown to another user,
/// mknod): the suites say so with `.enabled(if: FileSystemFixtures.runsRootTests, ...)`.
enum FileSystemFixtures {
    static let isRoot = geteuid() == 0
    /// Whether the root-only suites run: as root, and always in CI (which runs as root), so a
    /// CI that lost root fails them instead of skipping them.
    static let runsRootTests = isRoot || ProcessInfo.processInfo.environment["CI"] != nil
    static let needsRoot: Comment = "needs root (chown to another user, mknod); CI runs as root"
    /// `nobody`: an owner that is neither root nor the user the tests run as.
    static let otherUser: uid_t = 65534

    struct Failed: Error, CustomStringConvertible {
        let description: String
        init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
    }

    static func link(_ path: String, to destination: String, owner: uid_t? = nil) throws {
        guard symlink(destination, path) == 0 else { throw Failed("symlink \(path)") }
        if let owner { guard lchown(path, owner, owner) == 0 else { throw Failed("lchown \(path)") } }
    }

    static func folder(_ path: String, owner: uid_t? = nil, mode: mode_t = 0o755) throws {
        guard mkdir(path, mode) == 0, chmod(path, mode) == 0 else { throw Failed("mkdir \(path)") }
        if let owner { guard chown(path, owner, owner) == 0 else { throw Failed("chown \(path)") } }
    }

    /// Written through an O_CLOEXEC descriptor: a child another test spawns meanwhile must not
    /// keep it open for writing, or starting it as a hook or script fails with ETXTBSY.
    static func file(_ path: String, _ bytes: [UInt8], owner: uid_t? = nil, mode: mode_t = 0o644) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw Failed("create \(path)") }
        defer { close(descriptor) }
        guard write(descriptor, bytes, bytes.count) == bytes.count, fchmod(descriptor, mode) == 0 else { throw Failed("write \(path)") }
        if let owner { guard fchown(descriptor, owner, owner) == 0 else { throw Failed("chown \(path)") } }
    }

    static func fifo(_ path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw Failed("mkfifo \(path)") }
    }

    /// A character device with /dev/null's numbers (major 1, minor 3; makedev is a C macro).
    static func characterDevice(_ path: String) throws {
        guard mknod(path, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 else { throw Failed("mknod \(path)") }
    }

    /// A listening-free UNIX socket bound at `path`; the descriptor is closed, the node stays.
    static func socketNode(_ path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failed("socket") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failed("socket path too long \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw Failed("bind \(path)") }
    }

    /// What is at `path` without following a link, nil when nothing is.
    static func kind(_ path: String) -> FileKind? {
        var status = stat()
        return lstat(path, &status) == 0 ? FileKind(mode: status.st_mode) : nil
    }

    static func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    static func exists(_ path: String) -> Bool { kind(path) != nil }
}
