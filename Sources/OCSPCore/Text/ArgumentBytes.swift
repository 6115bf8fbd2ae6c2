import Foundation

/// Command-line arguments as the kernel passed them. Swift decodes `argv` with replacement,
/// so `--output $'a\xffb.der'` would name `a\u{FFFD}b.der`: another file than the one asked
/// for. ocspd takes arguments byte for byte or refuses them, before any parsing.
public enum ArgumentBytes {
    public struct NotUTF8: Error, Equatable, CustomStringConvertible {
        /// 1 for the first argument after the program's name.
        public let position: Int
        public let shown: String

        public var description: String {
            "argument \(position) is not UTF-8 text (\(shown)); ocspd takes paths byte for byte or refuses them: rename the file, "
                + "or link to it under a UTF-8 name"
        }
    }

    /// The first argument after the program's name that is not valid UTF-8, if any.
    public static func firstNotUTF8(_ arguments: [[UInt8]]) -> NotUTF8? {
        for (index, bytes) in arguments.enumerated().dropFirst() where ByteText.utf8(bytes) == nil {
            return NotUTF8(position: index, shown: ByteText.shown(bytes))
        }
        return nil
    }

    /// This process's `argv`, each argument's bytes up to its NUL.
    public static func current() -> [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return [] }
            let length = strlen(argument)
            return argument.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        }
    }
}
