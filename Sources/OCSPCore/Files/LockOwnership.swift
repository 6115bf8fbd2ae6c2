import Foundation

/// Who may open a lock file root creates. A cron job as root and a daemon as another user
/// share each output's lock, and the lock is opened read-only, so each must be able to read it.
enum LockOwnership {
    static let mode: mode_t = 0o640

    /// The owner and group a lock root creates in `folder` should have, nil to keep root's.
    /// - A folder of another user: that user's, who could create or remove the lock anyway.
    /// - A folder of root that its group may write (root:ocspd 0775): the folder's group, so
    ///   the daemon running in that group can open it.
    static func owner(forFolderOwner uid: uid_t, group gid: gid_t, mode folderMode: mode_t) -> (uid: uid_t, gid: gid_t)? {
        if uid != 0 { return (uid, gid) }
        if folderMode & S_IWGRP != 0, gid != 0 { return (0, gid) }
        return nil
    }

    /// Gives a lock root just created (`O_EXCL`: nobody else's file) its owner and group.
    /// Best effort: without it only root can take this lock, which it still can.
    static func settle(_ descriptor: Int32, in folder: SafeFolder) {
        guard ProcessUser.effective == 0,
            let wanted = owner(forFolderOwner: folder.status.st_uid, group: folder.status.st_gid, mode: folder.status.st_mode)
        else { return }
        _ = fchown(descriptor, wanted.uid, wanted.gid)
        // A umask (077, say) may have narrowed 0640 to 0600, locking the group out again.
        _ = fchmod(descriptor, mode)
    }

    /// Repairs a lock an earlier ocspd left root-only (root:root 0600) in a folder shared with
    /// another user, which kept that user's runs out for good. Only an empty, root-owned file
    /// with no other name is touched: a lock is always empty, so no one can have a secret
    /// shown to a group by renaming it to a lock name, nor a file elsewhere handed over.
    static func repair(_ descriptor: Int32, status: stat, in folder: SafeFolder) {
        guard ProcessUser.effective == 0, status.st_uid == 0, status.st_nlink == 1, status.st_size == 0,
            let wanted = owner(forFolderOwner: folder.status.st_uid, group: folder.status.st_gid, mode: folder.status.st_mode),
            status.st_uid != wanted.uid || status.st_gid != wanted.gid || status.st_mode & 0o7777 != mode
        else { return }
        _ = fchown(descriptor, wanted.uid, wanted.gid)
        _ = fchmod(descriptor, mode)
    }
}
