import Foundation

/// Whose links and folders a path may pass through: pure decisions over owners and modes,
/// so the rule is table-tested apart from the file system.
///
/// A link is followed only when no one but a trusted owner could have planted or changed it:
/// the link belongs to a trusted owner and sits in a folder only trusted owners can write.
/// A folder writable by others is still safe for an entry a trusted owner owns when its
/// sticky bit is set (others cannot rename or remove what is not theirs, as in `/tmp`); it
/// never is for an entry someone else owns.
public struct PathTrust: Sendable, Equatable {
    /// Root and, for outputs, the user ocspd runs as.
    public let owners: Set<uid_t>

    public init(owners: Set<uid_t>) {
        self.owners = owners
    }

    /// For the files ocspd writes: root and the user it runs as.
    /// (ocspd never changes its user: read once, not in every resolution.)
    public static let outputs = PathTrust(owners: [0, ProcessUser.effective])
    /// For what root runs or reads as instructions (configuration, hooks): root only.
    public static let rootOnly = PathTrust(owners: [0])

    public func trusts(owner: uid_t) -> Bool { owners.contains(owner) }

    /// Why a folder is unsafe to pass through towards an entry owned by `childOwner` (nil: a
    /// name ocspd is about to create), or nil when it is safe.
    public func folderProblem(owner: uid_t, mode: mode_t, childOwner: uid_t?) -> FolderProblem? {
        guard trusts(owner: owner) else { return .foreignOwner }
        guard mode & 0o022 != 0 else { return nil }
        if mode & S_ISVTX != 0, childOwner.map(trusts(owner:)) ?? true { return nil }
        return .writableByOthers
    }

    /// Why the link owned by `linkOwner`, in a folder with `folderOwner` and `folderMode`, may
    /// not be followed, or nil when it may.
    public func linkProblem(linkOwner: uid_t, folderOwner: uid_t, folderMode: mode_t) -> LinkProblem? {
        guard trusts(owner: linkOwner) else { return .foreignLink }
        return folderProblem(owner: folderOwner, mode: folderMode, childOwner: linkOwner).map(LinkProblem.folder)
    }

    public enum FolderProblem: Sendable, Equatable {
        case foreignOwner
        case writableByOthers
    }

    public enum LinkProblem: Sendable, Equatable {
        case foreignLink
        case folder(FolderProblem)
    }
}

/// `name (uid N)`, or `uid N` for an owner with no name: how messages name an owner.
enum OwnerName {
    static func of(_ uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return "uid \(uid)"
        }
        return "\(String(cString: name)) (uid \(uid))"
    }
}

/// A mode as `ls -l` and chmod show it: `0775`.
enum ModeText {
    static func of(_ mode: mode_t) -> String {
        "0" + String(mode & 0o7777, radix: 8)
    }
}
