import Foundation
import Synchronization

/// The PATH every hook runs with, whatever the daemon's own PATH and working folder: a
/// fixed list of system folders, so that a command a hook runs by name (its script's
/// commands, `#!/usr/bin/env NAME`) is never found in a folder an operator's shell happened
/// to have on PATH, or in the working folder (an empty entry). Running as root, a folder on
/// it that anyone but root could write (`/usr/local/bin` owned by `root:staff`, mode 2775) is
/// left out, and said once per folder in the log.
struct HookSearchPath: Equatable {
    static let systemFolders = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The folders kept, in order.
    let folders: [String]
    /// The folders left out as root because someone else could change them, and why.
    let dropped: [(folder: String, reason: String)]

    var text: String { folders.joined(separator: ":") }

    /// `folders` as they stand now: as root, each and every folder and link on its way must
    /// be root's alone. A missing folder is left out silently (only root could create it in
    /// root's folders, and the next start looks again).
    static func current(euid: uid_t = geteuid(), folders: [String] = systemFolders) -> HookSearchPath {
        guard euid == 0 else { return HookSearchPath(folders: folders, dropped: []) }
        var kept: [String] = []
        var dropped: [(String, String)] = []
        for folder in folders {
            switch ConfigurationTrust.resolve(folder) {
            case .failure(.unresolvable): continue
            case .failure(let refusal): dropped.append((folder, refusal.description))
            case .success(let found):
                guard let entry = found.entry, found.kind == .folder else { continue }
                if let problem = ConfigurationTrust.fileProblem(entry, path: folder) {
                    dropped.append((folder, problem.description))
                } else {
                    kept.append(folder)
                }
            }
        }
        return HookSearchPath(folders: kept, dropped: dropped)
    }

    /// Folders already reported in this process.
    private static let reported = Mutex<Set<String>>([])

    /// One warning per dropped folder the first time it is seen dropped in this process.
    func reportDropped(_ log: (String) -> Void) {
        let fresh = Self.reported.withLock { seen in
            dropped.filter { seen.insert($0.folder).inserted }
        }
        for (folder, reason) in fresh {
            log("hooks run without \(folder) on their PATH: \(reason)")
        }
    }

    static func == (lhs: HookSearchPath, rhs: HookSearchPath) -> Bool {
        lhs.folders == rhs.folders && lhs.dropped.map(\.folder) == rhs.dropped.map(\.folder)
    }
}
