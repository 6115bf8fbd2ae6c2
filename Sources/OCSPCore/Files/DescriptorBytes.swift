import Foundation

/// Reads a whole small file from a descriptor already opened and checked: the bytes come
/// from the very file whose type, owner and mode were looked at, whatever was renamed since.
enum DescriptorBytes {
    /// - Parameter size: the file's size from `fstat` of `descriptor`, to size the reads.
    static func read(_ descriptor: Int32, size: Int, maximum: Int) -> Result<[UInt8], FileReadError> {
        guard size <= maximum else { return .failure(.tooLarge(limit: maximum)) }
        // Read straight into the result, sized from the file and one byte more, so that a
        // file that did not grow is read in one call: thousands of small files are read per run.
        var bytes = [UInt8](repeating: 0, count: max(4096, size + 1))
        var filled = 0
        while true {
            if filled == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: min(65536, maximum + 1 - filled)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { Foundation.read(descriptor, $0 + filled, buffer.count - filled) } ?? -1
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadError(errno: errno))
            }
            if count == 0 { break }
            filled += count
            if filled > maximum { return .failure(.tooLarge(limit: maximum)) }
            // A regular file reads short only at its end: no second read to be told so.
            if filled < bytes.count, filled >= size { break }
        }
        bytes.removeLast(bytes.count - filled)
        return .success(bytes)
    }
}
