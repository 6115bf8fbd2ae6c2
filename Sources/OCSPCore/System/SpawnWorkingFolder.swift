internal import CShims
import Foundation

/// posix_spawn's "start in this folder" action, which Swift's Glibc module does not show
/// (a GNU extension, glibc 2.29+): a shim in CShims calls it.
enum SpawnWorkingFolder {
    /// 0 or an errno, as the posix_spawn family returns.
    static func add(_ actions: inout posix_spawn_file_actions_t, _ folder: String) -> Int32 {
        ocspd_spawn_file_actions_addchdir(&actions, folder)
    }
}
