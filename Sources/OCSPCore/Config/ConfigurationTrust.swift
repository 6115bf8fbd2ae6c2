import Foundation

/// Running as root, ocspd acts on its configuration and runs its hooks with root's power, so
/// neither may be changeable by anyone but root: not the file, not a folder on its path, not
/// a link on the way (a configuration folder owned by the `ocspd` user would otherwise let
/// that user have root run any command as a hook).
public enum ConfigurationTrust {
    /// Why `path` may not be trusted, or nil when it may (or ocspd does not run as root, or
    /// there is nothing there: a missing file is reported where it is read).
    public static func problem(with path: String, euid: uid_t = geteuid()) -> String? {
        guard euid == 0 else { return nil }
        switch PathResolver.resolve(path, trust: .rootOnly, wholePath: true) {
        case .failure(.missingFolder), .failure(.notAFolder): return nil
        case .failure(let error): return error.description
        case .success(let resolved):
            guard let entry = resolved.entry else { return nil }
            guard entry.st_uid == 0, entry.st_mode & 0o022 == 0 else {
                return PathError.untrustedFile(path: resolved.path, owner: entry.st_uid, mode: entry.st_mode & 0o7777).description
            }
            return nil
        }
    }
}
