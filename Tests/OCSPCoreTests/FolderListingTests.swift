import Foundation
import Testing

@testable import OCSPCore

/// Watched folders are listed with readdir, whose entries glibc guarantees only `d_reclen`
/// bytes long. A reader that copies a whole `struct dirent` reads past the entry, and
/// crashed a root daemon when the entry ended at a page; the name must be read in place.
@Suite struct FolderListingTests {
    /// readdir as glibc may return it: each entry exactly `d_reclen` bytes (rounded to 8)
    /// before a page that is not mapped.
    static let shortEntriesShim = #"""
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <dlfcn.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <unistd.h>
        static char *area;
        struct dirent *readdir(DIR *d) {
            static struct dirent *(*real)(DIR *);
            if (!real) real = dlsym(RTLD_NEXT, "readdir");
            struct dirent *e = real(d);
            if (!e) return e;
            long page = sysconf(_SC_PAGESIZE);
            if (!area) {
                area = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                mprotect(area + page, page, PROT_NONE);
            }
            char *slot = area + page - ((e->d_reclen + 7) & ~7);
            memcpy(slot, e, e->d_reclen);
            return (struct dirent *)slot;
        }
        """#

    /// A C compiler: the system's, else the Swift toolchain's clang.
    static func compiler() -> String? {
        ["cc", "clang"].lazy.compactMap { ExecutableSearch.locate($0) }.first
    }

    @Test func aWatchedFolderIsListedWithoutReadingPastShortEntries() throws {
        guard let compiler = Self.compiler() else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("no C compiler (cc or clang) to build the readdir shim") }
            print("skipped: no C compiler (cc or clang) to build the readdir shim")
            return
        }
        let scenario = try Scenario()
        let source = "\(scenario.folder)/short-dirents.c"
        let shim = "\(scenario.folder)/short-dirents.so"
        try Self.shortEntriesShim.write(toFile: source, atomically: true, encoding: .utf8)
        let built = try Command.run(compiler, ["-shared", "-fPIC", "-o", shim, source, "-ldl"])
        try #require(built.status == 0, "\(built.stderr)")
        let crt = "\(scenario.folder)/crt"
        try FileManager.default.createDirectory(atPath: crt, withIntermediateDirectories: true)
        let leaf = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
        let chain = try scenario.pki.chainFile(for: leaf, in: scenario.folder)
        // Names of every length, so that entries end at every offset in readdir's buffer.
        for length in 1...60 {
            try FileManager.default.copyItem(atPath: chain, toPath: "\(crt)/\(String(repeating: "c", count: length)).pem")
        }
        let config = "\(scenario.folder)/ocspd.yaml"
        try "state-dir: \(scenario.stateDirectory)\ndirectories:\n  - path: \(crt)\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["run", "--config", config, "--check-config"], environment: ["LD_PRELOAD": shim])
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
        #expect(result.stdoutText.contains("ccccc.pem"), "\(result.stdoutText)")
    }
}
