import Foundation

/// Makes sure the state folder exists, through the safe path layer: the parent is resolved
/// one component at a time (a link is followed only when trusted, `PathResolver`), and the
/// folder is created with `mkdirat` in the parent really reached. A plain `mkdir`/`stat`
/// would follow a link someone planted on the way and create a root-owned folder wherever it
/// points.
enum StateFolderCreation {
    static func ensure(_ directory: String) throws(StateError) {
        let resolved: ResolvedPath
        switch PathResolver.resolve(directory) {
        case .failure(let error): throw .cannotCreate(directory: directory, reason: error.description)
        case .success(let found): resolved = found
        }
        if let link = resolved.danglingLink {
            throw .cannotCreate(
                directory: directory,
                reason: "\(link) is a symlink to \(resolved.path), which does not exist; ocspd never creates a folder through a symlink")
        }
        switch resolved.kind {
        case .folder?:
            return
        case nil:
            guard mkdirat(resolved.folder.descriptor, resolved.name, 0o755) == 0 || errno == EEXIST else {
                throw .cannotCreate(directory: directory, reason: String(cString: strerror(errno)))
            }
            // Whatever is there now (ours, or someone else's won race) must be a folder.
            guard case .success(let status) = resolved.folder.entry(resolved.name), FileKind(mode: status.st_mode) == .folder else {
                throw .cannotCreate(directory: directory, reason: "not a directory")
            }
        case let kind?:
            throw .cannotCreate(directory: directory, reason: "it is \(kind), not a directory")
        }
    }
}
