import Foundation

/// Reads a whole small file from a descriptor already opened and checked: the bytes come
/// from the very file whose type, owner and mode were looked at, whatever was renamed since.
enum DescriptorBytes {
    /// - Parameter size: the file's size from `fstat` of `descriptor`, to size the reads.
    static func read(_ descriptor: Int32, size: Int, maximum: Int) -> Result<[UInt8], FileReadError> {
        guard size <= maximum else { return .failure(.tooLarge(limit: maximum)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        // Sized from the file: thousands of small files are read per run.
        var chunk = [UInt8](repeating: 0, count: min(65536, max(4096, size + 1)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadError(errno: errno))
            }
            if count == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk.prefix(count))
            if bytes.count > maximum { return .failure(.tooLarge(limit: maximum)) }
            // A regular file reads short only at its end: no second read to be told so.
            if count < chunk.count, bytes.count >= size { return .success(bytes) }
        }
    }
}
