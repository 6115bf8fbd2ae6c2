import Foundation

/// How many refreshes run at once: a global limit, and a small one per responder so that
/// thousands of certificates behind one CA do not hammer it. Optionally a request rate per
/// responder.
public struct ConcurrencyLimits: Sendable, Hashable {
    public var global: Int = 16
    public var perResponder: Int = 4
    /// Requests per second per responder; nil for no limit.
    public var perResponderRate: Double? = nil

    public init(global: Int = 16, perResponder: Int = 4, perResponderRate: Double? = nil) {
        self.global = max(1, global)
        self.perResponder = max(1, perResponder)
        self.perResponderRate = perResponderRate
    }
}

/// Runs refreshes on a fixed set of worker threads (each keeps its own libcurl handle, so
/// connections to a responder are reused where it allows keep-alive), never more than the
/// limits allow against one responder. Each staple appears once, so no certificate is ever
/// fetched twice at the same time.
public final class RefreshPool: @unchecked Sendable {
    public let limits: ConcurrencyLimits
    private let condition = NSCondition()

    public init(limits: ConcurrencyLimits) {
        self.limits = limits
    }

    /// The responder a job will ask first, as `scheme://host:port`: the unit the per-responder limit counts.
    public static func responderKey(for job: RefreshJob) -> String {
        let url = job.responderURL ?? (try? CertificateChain.read(from: job.chainPath))?.leaf.ocspURLs.first ?? ""
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return "\(components.scheme ?? "http")://\(host):\(components.port ?? (components.scheme == "https" ? 443 : 80))"
    }

    /// Runs `work` for every job and returns the outcomes in the jobs' order.
    public func run(_ jobs: [RefreshJob], work: @escaping @Sendable (RefreshJob) -> RefreshOutcome) -> [RefreshOutcome] {
        guard !jobs.isEmpty else { return [] }
        let keys = jobs.map(Self.responderKey)
        let state = PoolState(count: jobs.count)
        let workers = min(limits.global, jobs.count)
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                while let index = next(keys: keys, state: state) {
                    let outcome = work(jobs[index])
                    finish(index, key: keys[index], outcome: outcome, state: state)
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return state.outcomes.map { $0 ?? .busy }
    }

    private final class PoolState: @unchecked Sendable {
        var pending: [Int]
        var inFlight: [String: Int] = [:]
        var nextSlot: [String: Date] = [:]
        var outcomes: [RefreshOutcome?]

        init(count: Int) {
            pending = Array(0..<count)
            outcomes = Array(repeating: nil, count: count)
        }
    }

    /// The next job whose responder has room, waiting while every remaining job's responder is full.
    private func next(keys: [String], state: PoolState) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if state.pending.isEmpty { return nil }
            let now = Date()
            var earliest: Date? = nil
            if let position = state.pending.firstIndex(where: { index in
                let key = keys[index]
                guard state.inFlight[key, default: 0] < limits.perResponder else { return false }
                if let slot = state.nextSlot[key], slot > now {
                    earliest = min(earliest ?? slot, slot)
                    return false
                }
                return true
            }) {
                let index = state.pending.remove(at: position)
                let key = keys[index]
                state.inFlight[key, default: 0] += 1
                if let rate = limits.perResponderRate, rate > 0 {
                    state.nextSlot[key] = max(state.nextSlot[key] ?? now, now).addingTimeInterval(1 / rate)
                }
                return index
            }
            if let earliest {
                _ = condition.wait(until: earliest)
            } else {
                condition.wait()
            }
        }
    }

    private func finish(_ index: Int, key: String, outcome: RefreshOutcome, state: PoolState) {
        condition.lock()
        state.outcomes[index] = outcome
        state.inFlight[key, default: 1] -= 1
        condition.broadcast()
        condition.unlock()
    }
}
