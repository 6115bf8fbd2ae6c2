import Foundation

/// Running as root, ocspd acts on its configuration and runs its hooks with root's power, so
/// neither may be changeable by anyone but root: not the file, not a folder on its path, not
/// a link on the way (a configuration folder owned by the `ocspd` user would otherwise let
/// that user have root run any command as a hook).
///
/// A path that cannot be followed to its end is not trusted either: a folder missing at the
/// moment of the check may be one someone renamed away for that moment.
public enum ConfigurationTrust {
    /// Why `path` may not be trusted, or nil when it may (or ocspd does not run as root).
    /// Nothing at the path is a problem too: there is nothing root could check.
    public static func problem(with path: String, euid: uid_t = geteuid()) -> String? {
        refusal(of: path, euid: euid)?.description
    }

    /// `problem(with:)`, typed.
    static func refusal(of path: String, euid: uid_t = geteuid()) -> TrustedFileError? {
        guard euid == 0 else { return nil }
        switch resolve(path) {
        case .failure(let refusal): return refusal
        case .success(let found):
            guard let entry = found.entry else { return .unreadable(path: found.path, reason: .missing) }
            return fileProblem(entry, path: found.path)
        }
    }

    /// The path resolved with every folder and link on it checked: root's only.
    static func resolve(_ path: String) -> Result<ResolvedPath, TrustedFileError> {
        switch PathResolver.resolve(path, trust: .rootOnly, wholePath: true) {
        case .success(let found): return .success(found)
        case .failure(let error):
            switch error {
            case .missingFolder, .notAFolder: return .failure(.unresolvable(path: path, reason: error))
            default: return .failure(.untrusted(error))
            }
        }
    }

    /// Why the file with `status` may be changed by someone other than root, or nil.
    static func fileProblem(_ status: stat, path: String) -> TrustedFileError? {
        guard status.st_uid == 0, status.st_mode & 0o022 == 0 else {
            return .untrusted(.untrustedFile(path: path, owner: status.st_uid, mode: status.st_mode & 0o7777))
        }
        return nil
    }
}

/// Why root will not read or run a file.
public enum TrustedFileError: Error, Equatable, CustomStringConvertible {
    /// A link, a folder or the file itself someone other than root may change.
    case untrusted(PathError)
    /// The path ends early: a folder on it is missing, or is not a folder.
    case unresolvable(path: String, reason: PathError)
    /// Trusted, but not readable as a configuration (missing, not a regular file, too large).
    case unreadable(path: String, reason: FileReadError)

    public var description: String {
        switch self {
        case .untrusted(let error):
            return error.description
        case .unresolvable(let path, let reason):
            let why: String
            switch reason {
            case .missingFolder(let folder): why = "the folder \(folder) does not exist"
            case .notAFolder(let at, let kind): why = "\(at) is \(kind), not a folder"
            default: why = reason.description
            }
            return "\(path): \(why); as root, ocspd reads a configuration and runs a hook only through a path it could check to its end"
        case .unreadable(_, let reason):
            return "cannot read it: \(reason)"
        }
    }
}
