import Foundation

/// What one refresh may spend on the network, however many URLs the certificate lists: at
/// most `maximumURLs` OCSP responders (and as many caIssuers URLs) asked, and `seconds` in
/// all, issuer download included. Without it a leaf listing 13 hanging responders held a
/// refresh for 13 timeouts, and the per-responder pause never saw them (each a different port).
public struct RefreshBudget: Sendable, Hashable {
    public var maximumURLs: Int
    public var seconds: TimeInterval

    public static let defaultMaximumURLs = 3
    public static let defaultSeconds: TimeInterval = 30

    public init(maximumURLs: Int = RefreshBudget.defaultMaximumURLs, seconds: TimeInterval = RefreshBudget.defaultSeconds) {
        self.maximumURLs = max(1, maximumURLs)
        self.seconds = max(1, seconds)
    }
}

/// Why a URL was not asked.
public enum BudgetRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case tooManyURLs(limit: Int)
    case timeSpent(seconds: TimeInterval)

    public var description: String {
        switch self {
        case .tooManyURLs(let limit):
            return "not asked: at most \(limit) URL\(limit == 1 ? "" : "s") of a kind are tried per refresh"
        case .timeSpent(let seconds):
            return "not asked: the refresh's time budget of \(Int(seconds)) s is spent"
        }
    }
}

/// One refresh's spending against its budget. Times are seconds on a monotonic clock, so a
/// wall-clock step neither ends a refresh early nor lets it run on; `at` is a parameter so
/// the rules are table-tested.
public struct BudgetSpending: Sendable, Hashable {
    public let budget: RefreshBudget
    public let startedAt: TimeInterval
    public private(set) var responderURLsAsked = 0
    public private(set) var issuerURLsAsked = 0

    /// A transfer shorter than this is not worth starting (and libcurl reads 0 as "no limit").
    static let shortestTransfer: TimeInterval = 0.5

    public enum Kind: Sendable { case responder, issuer }

    public init(_ budget: RefreshBudget, startedAt: TimeInterval = MonotonicClock.seconds()) {
        self.budget = budget
        self.startedAt = startedAt
    }

    public func timeLeft(at moment: TimeInterval) -> TimeInterval {
        budget.seconds - (moment - startedAt)
    }

    /// When the budget ends, on the same clock.
    public var deadline: TimeInterval { startedAt + budget.seconds }

    /// Counts a URL of `kind` as asked and returns the deadline its transfers must meet, or
    /// why it may not be asked.
    public mutating func admit(_ kind: Kind, at moment: TimeInterval) -> Result<TimeInterval, BudgetRefusal> {
        let asked = kind == .responder ? responderURLsAsked : issuerURLsAsked
        guard asked < budget.maximumURLs else { return .failure(.tooManyURLs(limit: budget.maximumURLs)) }
        let left = timeLeft(at: moment)
        guard left >= Self.shortestTransfer else { return .failure(.timeSpent(seconds: budget.seconds)) }
        switch kind {
        case .responder: responderURLsAsked += 1
        case .issuer: issuerURLsAsked += 1
        }
        return .success(deadline)
    }

    /// A URL admitted but not asked after all (its responder is paused): it cost nothing, so
    /// it leaves its place to the next one.
    public mutating func refund(_ kind: Kind) {
        switch kind {
        case .responder: responderURLsAsked = max(0, responderURLsAsked - 1)
        case .issuer: issuerURLsAsked = max(0, issuerURLsAsked - 1)
        }
    }
}

/// Seconds since an arbitrary point, never stepped (CLOCK_MONOTONIC).
public enum MonotonicClock {
    public static func seconds() -> TimeInterval {
        var time = timespec()
        // CLOCK_MONOTONIC cannot fail on Linux with a valid pointer; 0 would only shorten nothing.
        guard clock_gettime(CLOCK_MONOTONIC, &time) == 0 else { return 0 }
        return TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1_000_000_000
    }
}
