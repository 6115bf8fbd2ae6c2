import Foundation

@testable import OCSPCore

/// The lock file beside `output`, held with flock by this test process: for the ocspd binary,
/// a foreign process that holds it and never writes.
final class ForeignLockHolder {
    let path: String
    private let descriptor: Int32

    init(lockFor output: String) throws {
        path = StateStore(directory: "/nonexistent").lockPath(for: output)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw FileSystemFixtures.Failed("flock \(path)")
        }
    }

    deinit { close(descriptor) }
}
