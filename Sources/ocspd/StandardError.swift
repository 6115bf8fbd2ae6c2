import Foundation

enum StandardError {
    /// write(2) directly: FileHandle traps when stderr is a full disk or past a file-size limit,
    /// and a message that cannot be written must not turn into a crash.
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = Foundation.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
