import Foundation
import Testing

@testable import OCSPCore

/// A hook's command is looked up as `execvp` looks it up, once, by ocspd: these are the
/// paths tried, in order.
@Suite struct ExecutableSearchTests {
    private func candidates(_ command: String, _ searchPath: String?, from working: String? = "/work") -> [String] {
        ExecutableSearch.candidates(for: command, searchPath: searchPath, workingFolder: working)
    }

    @Test func eachPathEntryIsTriedInOrder() {
        #expect(candidates("reload", "/usr/sbin:/usr/bin") == ["/usr/sbin/reload", "/usr/bin/reload"])
    }

    @Test func anEmptyEntryAnywhereIsTheWorkingFolder() {
        #expect(candidates("reload", "/usr/bin::/rootbin:/bin") == ["/usr/bin/reload", "/work/reload", "/rootbin/reload", "/bin/reload"])
        #expect(candidates("reload", ":/bin") == ["/work/reload", "/bin/reload"])
        #expect(candidates("reload", "/bin:") == ["/bin/reload", "/work/reload"])
        #expect(candidates("reload", "") == ["/work/reload"])
    }

    @Test func aRelativeEntryIsTakenFromTheWorkingFolder() {
        #expect(candidates("reload", "bin:/usr/bin") == ["/work/bin/reload", "/usr/bin/reload"])
    }

    @Test func anUnsetPathIsGlibcsDefault() {
        #expect(candidates("reload", nil) == ["/bin/reload", "/usr/bin/reload"])
    }

    @Test func aCommandWithASlashIsNotSearchedButMadeAbsolute() {
        #expect(candidates("/usr/local/sbin/reload", "/bin") == ["/usr/local/sbin/reload"])
        #expect(candidates("./reload", "/bin") == ["/work/reload"])
        #expect(candidates("scripts/reload", "/bin") == ["/work/scripts/reload"])
    }

    @Test func withoutAWorkingFolderRelativeCandidatesAreLeftOut() {
        #expect(candidates("reload", "/usr/bin::/bin", from: nil) == ["/usr/bin/reload", "/bin/reload"])
        #expect(candidates("./reload", "/bin", from: nil) == [])
    }

    @Test func anEmptyCommandHasNoCandidate() {
        #expect(candidates("", "/bin") == [])
    }
}
