import Foundation
import Testing

@testable import OCSPCore

/// The C library's functions Glibc's module does not declare are found by name; a name the
/// library lacks is nil, never a crash.
@Suite struct SystemSymbolTests {
    private typealias FileSystemStatus = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32

    @Test func aFunctionOfTheCLibraryIsFound() {
        #expect(SystemSymbol.function("fstatfs", as: FileSystemStatus.self) != nil)
        #expect(SystemSymbol.function("posix_spawn_file_actions_addchdir_np", as: FileSystemStatus.self) != nil)
    }

    @Test func aNameTheLibraryLacksIsNil() {
        #expect(SystemSymbol.function("ocspd_no_such_function", as: FileSystemStatus.self) == nil)
    }

    @Test func theFileSystemOfADataFileIsNoKernelOne() throws {
        let descriptor = open(#filePath, O_PATH | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        #expect(KernelFileSystem.name(of: descriptor) == .success(nil))
    }
}
