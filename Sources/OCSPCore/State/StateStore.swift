import Foundation
import Synchronization

/// The state folder (default /var/lib/ocspd): one JSON file per staple. Written atomically
/// through the safe path layer (never through a link someone else planted), read tolerantly:
/// a missing or corrupt file means "start fresh". The lock that makes one ocspd the writer
/// of a staple lives beside the staple (`OutputLock`), not here: two ocspd with different
/// state folders must still exclude each other.
public struct StateStore: Sendable {
    public static let defaultDirectory = "/var/lib/ocspd"

    public let directory: String
    /// Output folders already checked against this state folder: the check resolves paths,
    /// and thousands of staples share a handful of folders.
    private let checkedFolders = CheckedFolders()
    /// The state folder, resolved once a minute at most: thousands of fresh staples each load
    /// their state, and resolving the folder from `/` for each cost more than reading it.
    private let resolvedFolder = ResolvedFolder()

    public init(directory: String) {
        self.directory = directory
    }

    private final class ResolvedFolder: Sendable {
        /// How long a resolution is used: a folder moved or replaced meanwhile is seen within it.
        static let lifetime: TimeInterval = 60
        let cached = Mutex<(folder: SafeFolder, until: TimeInterval)?>(nil)
    }

    /// The state folder as an open descriptor (through the safe path layer), or nil while it
    /// does not exist yet or cannot be used.
    func stateFolder() -> SafeFolder? {
        let now = MonotonicClock.seconds()
        if let cached = resolvedFolder.cached.withLock({ $0 }), now < cached.until { return cached.folder }
        guard case .success(let resolved) = PathResolver.resolve(directory), resolved.kind == .folder,
            case .success(let folder) = resolved.folder.folder(resolved.name, shownAs: resolved.path)
        else { return nil }
        resolvedFolder.cached.withLock { $0 = (folder, now + ResolvedFolder.lifetime) }
        return folder
    }

    private final class CheckedFolders: Sendable {
        /// By bytes: NFC and NFD spellings of a folder are two folders, each checked.
        let folders = Mutex<Set<PathKey>>([])
    }

    /// Creates the folder if needed and refuses the staple's own folder (HAProxy would load
    /// our files as certificates, and cleaning there would be dangerous).
    public func prepare(forOutput output: String) throws(StateError) {
        let outputFolder = (Self.absolute(output) as NSString).deletingLastPathComponent
        let key = PathKey(outputFolder)
        if checkedFolders.folders.withLock({ $0.contains(key) }) { return }
        try check(outputFolder: outputFolder)
        checkedFolders.folders.withLock { _ = $0.insert(key) }
    }

    private func check(outputFolder: String) throws(StateError) {
        try StateFolderCreation.ensure(directory)
        if PathKey(Self.canonical(outputFolder)) == PathKey(Self.canonical(directory)) {
            throw .sameAsOutputFolder(directory: directory)
        }
    }

    /// The longest readable part of a key, in UTF-8 bytes: with the hash, `.json` and the
    /// temp suffix, state names stay within NAME_MAX whatever the output's name (215: the
    /// keys of names that always worked stay the same).
    static let readableKeyLength = 215

    /// `NAME-HASH`: readable, and unique per absolute output path.
    func key(for output: String) -> String {
        let absolute = Self.absolute(output)
        let name =
            StateKeyText.readableName(ofAbsolute: absolute)
            ?? absolute.split(separator: "/").last.map(String.init)?.filter { $0.isLetter || $0.isNumber || "._-".contains($0) } ?? ""
        // A name within the length is its own prefix (every character fits).
        let readable = name.utf8.count <= Self.readableKeyLength ? name : SidecarName.prefix(of: name, bytes: Self.readableKeyLength)
        return "\(readable)-\(Hex.string(Digest.sha256(Array(absolute.utf8)).prefix(8)))"
    }

    public func statePath(for output: String) -> String { "\(directory)/\(key(for: output)).json" }
    /// The lock beside the output (see `OutputLock`).
    public func lockPath(for output: String) -> String { OutputLock.path(for: output) }

    /// The state of `output`. Its verified record, revocation list and counts are kept only
    /// when the file is believable (`StateFileTrust`): otherwise the refresh takes the full
    /// path, and counts from zero.
    public func load(for output: String) -> StapleState {
        guard let folder = stateFolder(),
            case .success(let read) = SafeFileRead.readWithStatus("\(key(for: output)).json", in: folder, maximum: LocalFileLimit.bytes)
        else {
            return StapleState(outputPath: Self.absolute(output))
        }
        // The form ocspd writes is read directly; anything else by JSONDecoder, as before.
        guard
            var state = StapleState.fromStateJSON(read.bytes)
                ?? (try? StateDates.decoder().decode(StapleState.self, from: Data(read.bytes)))
        else {
            return StapleState(outputPath: Self.absolute(output))
        }
        if !StateFileTrust.believable(read.status) { state.forgetClaims() }
        return state
    }

    /// Call only while holding the staple's lock. `durability` is `.synced` where losing the
    /// change to a power cut would matter (a revocation seen); otherwise losing it costs one
    /// extra fetch, which is not worth two fsyncs per staple.
    public func save(_ state: StapleState, for output: String, durability: AtomicFileWriter.Durability = .synced) throws(AtomicWriteError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(state) else { return }
        // The writer's own: a state file someone else planted must not stay theirs, or what
        // ocspd saves there would never be believed (`StateFileTrust`).
        try AtomicFileWriter.write(
            Array(data), as: .stateFile, to: statePath(for: output), temporary: .lockHeld, durability: durability, ownership: .writers)
    }

    /// The exclusive lock for one staple, or nil when another ocspd holds it, whatever
    /// state folder that one uses: the lock is beside the output.
    public func lock(for output: String) throws(StateError) -> StapleLock? {
        try OutputLock.acquire(for: output)
    }

    /// The absolute form of `path`, made lexically: `.` and `..` folded, repeated slashes
    /// merged, symlinks left as they are. Resolving symlinks would give one output two state
    /// files, one from before the file existed and one from after.
    static func absolute(_ path: String) -> String {
        if StateKeyText.isPlainAbsolute(path) { return path }
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return absolute(path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// One open lock file held with flock(LOCK_EX); released when this object goes away (or the
/// process dies, so a killed run never leaves a stale lock). A staple's (`OutputLock`), or
/// the state folder's counter lock (`StateFolderCounters.lock`).
public final class StapleLock: @unchecked Sendable {
    /// The locked file, for checking that its name still leads to it before unlinking it (`RemovableLock`).
    let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

public enum StateError: Error, Equatable, CustomStringConvertible {
    case cannotCreate(directory: String, reason: String)
    case sameAsOutputFolder(directory: String)
    case cannotLock(path: String, reason: String)
    /// The output itself may not be written (an untrusted link, a device, a FIFO).
    case output(StapleWriteError)

    public var description: String {
        switch self {
        case .cannotCreate(let directory, let reason):
            return "cannot use the state folder \(directory): \(reason); create it writable for ocspd's user or pass --state-dir"
        case .sameAsOutputFolder(let directory):
            return
                "the state folder \(directory) is the staple's own folder; pass a --state-dir of its own (default \(StateStore.defaultDirectory))"
        case .cannotLock(let path, let reason):
            return "cannot lock \(path): \(reason)"
        case .output(let error):
            return error.description
        }
    }
}
