import Foundation

/// Staples ocspd no longer maintains but still remembers: the state folder holds the state of
/// an output no longer configured, and a file is at that output. ocspd leaves such a staple
/// alone (it cannot know whether a server still reads it); `ocspd check` names it, so an
/// operator who removed the entry also removes the file, or the server's use of it.
public enum LeftStaples {
    /// The outputs, sorted by their bytes.
    public static func find(store: StateStore, configuredJobs jobs: [RefreshJob]) -> [String] {
        guard let listing = store.stateFiles() else { return [] }
        let configured = store.configured(jobs)
        var outputs: [String] = []
        for (name, _) in listing.files where !configured.stateNames.contains(name) {
            guard let output = StateStore.recordedOutput(of: name, in: listing.folder), !configured.outputs.contains(PathKey(output))
            else { continue }
            var status = stat()
            if stat(output, &status) == 0, status.st_mode & S_IFMT == S_IFREG { outputs.append(output) }
        }
        return outputs.sorted { PathKey($0).bytes.lexicographicallyPrecedes(PathKey($1).bytes) }
    }

    /// The line `ocspd check` prints for one.
    public static func line(_ output: String) -> String {
        "state for \(output), which is no longer configured; its staple is left in place"
    }
}
