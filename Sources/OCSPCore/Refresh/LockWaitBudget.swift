import Foundation
import Synchronization

/// How long one run (a `refresh --config`, one daemon round) waits, in all, for other
/// processes holding output locks. The wait is for another ocspd writing the same staple at
/// that moment; a process holding locks without writing (anyone who may open lock files in a
/// staple folder) would otherwise cost a wait per output, and outputs by the thousand made a
/// cron run take hours. Every refresh of the run shares one window: the first wait opens it,
/// later waits end with it, and once it has passed a held lock is judged at once.
public final class LockWaitBudget: Sendable {
    /// A refresh by another ocspd at the same moment (the first run of a new staple) is done
    /// within this in the common case, and its proof then counts. A holder still at it after
    /// this is slow (its result shows in the next run) or holding the lock without writing.
    public static let defaultSeconds: TimeInterval = 5

    public let seconds: TimeInterval
    /// When waiting ends for the whole run (monotonic seconds); nil until the first wait.
    private let end = Mutex<TimeInterval?>(nil)

    public init(seconds: TimeInterval = LockWaitBudget.defaultSeconds) {
        self.seconds = max(0, seconds)
    }

    /// When a wait beginning at `moment` must end: the run's window, opened now if no
    /// refresh of the run waited before.
    func deadline(forWaitAt moment: TimeInterval) -> TimeInterval {
        end.withLock { end in
            if let end { return end }
            end = moment + seconds
            return moment + seconds
        }
    }
}

/// Whether the holder of a lock is worth waiting for.
enum LockHolder {
    /// An ocspd about to write the staple runs as root or as the user this one runs as, and a
    /// lock it creates (or root creates in a folder of its own) belongs to one of them. A lock
    /// of another user is in a folder of that user, who is likely the one holding it: judged at
    /// once. (Root's lock in another user's folder is handed to that user, `LockOwnership`, so a
    /// root run does not wait for that user's daemon either; the next run sees its proof.)
    static func worthWaitingFor(lockOwner: uid_t?, runningAs user: uid_t = geteuid()) -> Bool {
        guard let lockOwner else { return false }
        return lockOwner == 0 || lockOwner == user
    }
}

/// Why a held lock was judged without waiting for its holder.
enum LockNotWaitedFor: Equatable, CustomStringConvertible {
    case holderNotTrusted(owner: uid_t?)
    case budgetSpent(seconds: TimeInterval)

    var description: String {
        switch self {
        case .holderNotTrusted(let owner?):
            return
                "the lock belongs to uid \(owner), neither root nor the user ocspd runs as, so its holder is likely that user and not an ocspd about to write; judged at once, without waiting"
        case .holderNotTrusted(nil):
            return "the lock's owner cannot be read; judged at once, without waiting"
        case .budgetSpent(let seconds):
            return "this run's \(Int(seconds)) s of waiting for held locks are spent; judged at once, without waiting"
        }
    }
}
