import Foundation

/// The random source the schedule's jitter draws from, injectable so that a refresh is
/// tested at a known point of its jitter. `system` draws from the system's generator.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private let draw: @Sendable () -> UInt64

    public init(_ draw: @escaping @Sendable () -> UInt64) {
        self.draw = draw
    }

    public static let system = RandomSource {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }

    public mutating func next() -> UInt64 { draw() }
}
