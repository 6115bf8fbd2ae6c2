/// The one owner of a short-lived OpenSSL object that a conversion makes and drops (a memory
/// BIO, a BIGNUM, a decoded extension), freed in `deinit` by the function OpenSSL pairs with
/// the one that made it. For the owners in `OpenSSL/` only.
final class ScratchObject {
    private let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    /// Nil when the constructor returned NULL.
    init?(_ pointer: OpaquePointer?, freedBy free: @escaping (OpaquePointer) -> Void) {
        guard let pointer else { return nil }
        self.pointer = pointer
        self.free = free
    }

    deinit {
        free(pointer)
    }

    /// Lends the object to an OpenSSL call; the pointer must not outlive `body`.
    func withUnsafeObject<Value>(_ body: (OpaquePointer) throws -> Value) rethrows -> Value {
        try withExtendedLifetime(self) { try body(pointer) }
    }
}
