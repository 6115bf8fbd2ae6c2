import Foundation

/// A file's `#!` line read as the Linux kernel reads it (fs/binfmt_script.c, 5.1 and later),
/// so that the interpreter ocspd checks is the one `execve` will start: only the first
/// `bufferSize` bytes count, the interpreter is the first word after `#!` (ended by a space,
/// a tab or a NUL), and the rest of the line, trimmed, is one optional argument.
enum ScriptLine: Equatable {
    /// No `#!`: an ELF binary (or a file the kernel will not run).
    case notAScript
    case script(interpreter: String, argument: String?)
    /// A `#!` line the kernel refuses (ENOEXEC): no interpreter, or one longer than the
    /// buffer; or one ocspd cannot name (not UTF-8).
    case malformed(String)

    /// BINPRM_BUF_SIZE: how much of a file the kernel looks at.
    static let bufferSize = 256

    static func parse(_ head: [UInt8]) -> ScriptLine {
        guard head.count >= 2, head[0] == UInt8(ascii: "#"), head[1] == UInt8(ascii: "!") else { return .notAScript }
        // The kernel's buffer: the file's first bytes, NUL-padded when the file is shorter.
        let buffer = Array(head.prefix(bufferSize)) + [UInt8](repeating: 0, count: max(0, bufferSize - head.count))
        let last = bufferSize - 1
        var end: Int
        if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            end = newline
        } else {
            // No newline: the interpreter must still end within the buffer, else it would be cut.
            guard let name = buffer[2..<last].firstIndex(where: { !isSpaceOrTab($0) }) else {
                return .malformed("its #! line names no interpreter")
            }
            guard buffer[name..<last].contains(where: isTerminator) else {
                return .malformed("its #! line is longer than the kernel reads (\(bufferSize) bytes) before the interpreter's name ends")
            }
            end = last
        }
        while end > 2 && isSpaceOrTab(buffer[end - 1]) { end -= 1 }
        guard let nameStart = buffer[2..<end].firstIndex(where: { !isSpaceOrTab($0) }) else {
            return .malformed("its #! line names no interpreter")
        }
        let separator = buffer[nameStart..<end].firstIndex(where: isTerminator) ?? end
        // A NUL right after `#!` (a file of just `#!`): an empty name, which execve cannot open.
        guard separator > nameStart else { return .malformed("its #! line names no interpreter") }
        var argument: ArraySlice<UInt8>? = nil
        if separator < end, buffer[separator] != 0 {
            let start = buffer[separator..<end].firstIndex(where: { !isSpaceOrTab($0) }) ?? end
            // The kernel hands the argument on as a C string: it ends at a NUL.
            argument = buffer[start..<end].prefix { $0 != 0 }
        }
        let notText = ScriptLine.malformed("its #! line is not UTF-8 text, and ocspd takes paths byte for byte or refuses them")
        guard let interpreter = String(validating: buffer[nameStart..<separator], as: UTF8.self) else { return notText }
        guard let argument else { return .script(interpreter: interpreter, argument: nil) }
        guard let text = String(validating: argument, as: UTF8.self) else { return notText }
        return .script(interpreter: interpreter, argument: text)
    }

    private static func isSpaceOrTab(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    private static func isTerminator(_ byte: UInt8) -> Bool { isSpaceOrTab(byte) || byte == 0 }
}
