import Foundation

/// What a new staple (or metrics file, or revocation record) takes over from the file it
/// replaces (`AtomicFileWriter.Ownership.inherited`). The operator may have chosen an
/// owner and mode (root:www-data 0640 for nginx), but in a folder others may write, the file
/// there may have been planted by anyone: a planted nobody-owned 0666 file must not make
/// root's staple nobody's and writable by all.
struct InheritedOwnership: Equatable {
    /// The owner and group to give the new file, nil to keep the writer's own.
    let owner: (uid: uid_t, gid: gid_t)?
    let mode: mode_t

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.mode == rhs.mode && lhs.owner?.uid == rhs.owner?.uid && lhs.owner?.gid == rhs.owner?.gid
    }

    init(owner: (uid: uid_t, gid: gid_t)?, mode: mode_t) {
        self.owner = owner
        self.mode = mode
    }

    /// - Parameters:
    ///   - existing: the file being replaced, nil when there is none (0644, the writer's own).
    ///   - folder: the folder it is in.
    ///   - runningUser: the effective user writing.
    init(existing: stat?, folder: stat, runningUser: uid_t = ProcessUser.effective) {
        guard let existing else {
            self.init(owner: nil, mode: 0o644)
            return
        }
        // Read bits and the owner's write bit only: a staple needs no set-id or execute bits,
        // and no one but its owner ever writes it.
        let mode = existing.st_mode & 0o644
        let trustedOwner = existing.st_uid == 0 || existing.st_uid == runningUser
        let othersMayPlant = folder.st_mode & 0o022 != 0
        self.init(owner: trustedOwner || !othersMayPlant ? (existing.st_uid, existing.st_gid) : nil, mode: mode)
    }
}
