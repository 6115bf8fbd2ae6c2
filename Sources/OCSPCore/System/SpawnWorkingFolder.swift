import Foundation

/// posix_spawn's "start in this folder" action, which Swift's Glibc module does not declare
/// (`posix_spawn_file_actions_addchdir_np`, a GNU extension of glibc 2.29+): found by name.
enum SpawnWorkingFolder {
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static let addChdir = SystemSymbol.function("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)

    /// 0 or an errno, as the posix_spawn family returns (ENOSYS on a C library without it).
    static func add(_ actions: inout posix_spawn_file_actions_t, _ folder: String) -> Int32 {
        guard let addChdir else { return ENOSYS }
        return addChdir(&actions, folder)
    }
}
