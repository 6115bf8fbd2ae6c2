import Foundation

/// The user ocspd runs as, read once: ocspd never changes it, and the files of every staple
/// ask it (the lock's owner, a replaced file's ownership: three `geteuid` calls per written
/// staple otherwise).
enum ProcessUser {
    static let effective = geteuid()
}
