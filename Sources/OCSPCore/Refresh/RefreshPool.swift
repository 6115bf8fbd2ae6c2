import Foundation

/// How many refreshes run at once: a global limit, and a small one per responder so that
/// thousands of certificates behind one CA do not hammer it. Optionally a request rate per
/// responder. The per-responder limits apply to requests (`ResponderGate`); the pool lets
/// twice as many refreshes of one responder be in progress, so that verifying and writing
/// one proof overlaps the next request.
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

    /// Refreshes of one responder in progress at once: its requests in flight, plus as many
    /// verifying, writing or waiting for the gate.
    public var refreshesPerResponder: Int { min(global, 2 * perResponder) }
}

/// What the first step of one job produced: its result, or a fetch waiting for room at a responder.
public enum PoolStep<Pending: Sendable, Output: Sendable>: Sendable {
    case done(Output)
    /// `certificate` names the certificate asked about: two fetches for one certificate (two
    /// outputs of one chain, say) never run at the same time.
    case fetch(Pending, responder: String, certificate: String)
}

/// What the fetch step of one job produced: its result, or what is left to do once its
/// responder's and certificate's slots are free again.
public enum FetchStep<Output: Sendable>: Sendable {
    case done(Output)
    /// Waiting for another process (a held lock): done outside the slots, so that outputs of
    /// the same certificate, and other certificates of the responder, are not kept waiting
    /// in turn behind it.
    case afterSlots(@Sendable () -> Output)
}

/// Runs refreshes on a fixed set of worker threads (each keeps its own libcurl handle, so
/// connections to a responder are reused where it allows keep-alive), never more than the
/// limits allow against one responder. Each staple appears once, so no certificate is ever
/// fetched twice at the same time.
///
/// A job runs in two steps. The first (reading the chain, recognising a fresh staple)
/// needs no responder and runs on any free worker. A job that needs a fetch then waits in
/// its responder's queue; workers take fetches first, so at most `backlog` prepared jobs
/// wait at any time and memory does not grow with the number of staples.
public final class RefreshPool: @unchecked Sendable {
    public let limits: ConcurrencyLimits
    public let backlog: Int
    private let condition = NSCondition()

    public init(limits: ConcurrencyLimits, backlog: Int? = nil) {
        self.limits = limits
        self.backlog = max(1, backlog ?? max(64, 4 * limits.global))
    }

    /// Runs every job and returns the outputs in the jobs' order.
    public func run<Job: Sendable, Pending: Sendable, Output: Sendable>(
        _ jobs: [Job],
        prepare: @escaping @Sendable (Job) -> PoolStep<Pending, Output>,
        fetch: @escaping @Sendable (Pending) -> Output
    ) -> [Output] {
        run(jobs, prepare: prepare, fetchStep: { .done(fetch($0)) })
    }

    /// Runs every job and returns the outputs in the jobs' order; a fetch step may leave part
    /// of its work to be done after its slots are freed (`FetchStep.afterSlots`).
    public func run<Job: Sendable, Pending: Sendable, Output: Sendable>(
        _ jobs: [Job],
        prepare: @escaping @Sendable (Job) -> PoolStep<Pending, Output>,
        fetchStep fetch: @escaping @Sendable (Pending) -> FetchStep<Output>
    ) -> [Output] {
        guard !jobs.isEmpty else { return [] }
        let state = PoolState<Pending, Output>(count: jobs.count)
        state.workerLimit = min(limits.global, jobs.count)
        let group = DispatchGroup()
        // One round: its staples share what it looked up (`RoundLookups`: folders, file systems).
        let lookups = RoundLookups()
        state.startWorker = { [self] in
            group.enter()
            let thread = Thread {
                lookups.whileCurrent { self.work(jobs, state: state, prepare: prepare, fetch: fetch) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        // As many as there are cores to start with: a first step is local work, and more
        // threads than cores only take turns at the lock (a fresh run of 10,000 staples on
        // 2 cores spent more on sixteen threads' switches than on its files). Workers are
        // added while fetches wait (`addWorkerIfFetchesWait`), up to the limit.
        condition.lock()
        for _ in 0..<min(state.workerLimit, max(1, ProcessInfo.processInfo.activeProcessorCount)) { startWorkerLocked(state) }
        condition.unlock()
        group.wait()
        // The staples the round wrote are durable before it returns (`Durability.syncedByRound`).
        lookups.syncWrittenFolders()
        // The starter holds the state it starts workers on: the cycle ends with the run.
        state.startWorker = nil
        return state.outputs.compactMap { $0 }
    }

    /// Called with the lock held.
    private func startWorkerLocked<Pending, Output>(_ state: PoolState<Pending, Output>) {
        state.workers += 1
        state.startWorker?()
    }

    /// A worker more, under the limit, when a fetch waits that no sleeping worker can take:
    /// one waiting on the network leaves its core to the others. Called with the lock held.
    private func addWorkerIfFetchesWait<Pending, Output>(_ state: PoolState<Pending, Output>) {
        guard state.workers < state.workerLimit, state.waiting > state.sleeping else { return }
        startWorkerLocked(state)
    }

    private final class PoolState<Pending, Output>: @unchecked Sendable {
        var nextJob = 0
        /// Prepared jobs waiting for room, per responder; a responder leaves the table when its queue empties.
        var queues: [String: FetchQueue<Pending>] = [:]
        var waiting = 0
        /// Jobs claimed by a worker and being prepared (not yet waiting or done).
        var preparing = 0
        var inFlight: [String: Int] = [:]
        var certificatesInFlight: Set<String> = []
        var outputs: [Output?]
        /// Workers started, the most there may be, and those waiting for work.
        var workers = 0
        var workerLimit = 1
        var sleeping = 0
        var startWorker: (() -> Void)?

        init(count: Int) {
            outputs = Array(repeating: nil, count: count)
        }
    }

    /// A first-in, first-out queue with O(1) removal at the front. Taken entries are dropped
    /// at once (each holds a parsed chain), and the array is compacted as the front advances,
    /// so a queue that never quite empties does not keep every job it ever held.
    struct FetchQueue<Pending> {
        typealias Item = (index: Int, pending: Pending, certificate: String)
        private var items: [Item?] = []
        private var head = 0
        private var live = 0

        var isEmpty: Bool { live == 0 }
        /// Slots held, taken ones included: what the compaction bounds.
        var storage: Int { items.count }

        /// How far past the front a fetch for a busy certificate may be overtaken.
        static var lookahead: Int { 32 }

        mutating func append(_ index: Int, _ pending: Pending, certificate: String = "") {
            items.append((index, pending, certificate))
            live += 1
        }

        mutating func removeFirst() -> Item? {
            removeFirst { _ in true }
        }

        /// Whether `removeFirst(where:)` would take an item.
        func hasFirst(where allowed: (String) -> Bool) -> Bool {
            var position = head
            var seen = 0
            while position < items.count, seen < Self.lookahead {
                if let item = items[position] {
                    if allowed(item.certificate) { return true }
                    seen += 1
                }
                position += 1
            }
            return false
        }

        /// The oldest item, among the first `lookahead`, whose certificate `allowed` accepts.
        mutating func removeFirst(where allowed: (String) -> Bool) -> Item? {
            var position = head
            var seen = 0
            while position < items.count, seen < Self.lookahead {
                if let item = items[position] {
                    if allowed(item.certificate) {
                        items[position] = nil
                        live -= 1
                        while head < items.count, items[head] == nil { head += 1 }
                        compact()
                        return item
                    }
                    seen += 1
                }
                position += 1
            }
            return nil
        }

        private mutating func compact() {
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 32, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    private func work<Job, Pending, Output>(
        _ jobs: [Job], state: PoolState<Pending, Output>,
        prepare: (Job) -> PoolStep<Pending, Output>, fetch: (Pending) -> FetchStep<Output>
    ) {
        condition.lock()
        defer { condition.unlock() }
        while true {
            // A worker that takes work wakes one other only when more is left than it took
            // (which that one does the same for): every change of what can start happens
            // under this lock, by a worker that comes back here next. Waking one for every
            // finished step woke, with 16 workers on 2 cores, mostly workers that found
            // nothing: about 13 futex calls per staple. The last worker to find nothing left
            // wakes them all to leave.
            if let (key, item) = takeFetch(state) {
                wakeOneIfWorkIsLeft(state, jobs: jobs.count)
                runFetch(item, of: key, state: state, fetch: fetch)
                continue
            }
            if state.nextJob < jobs.count, state.waiting < backlog {
                let claimed = state.nextJob..<(state.nextJob + prepareBatch(state, jobs: jobs.count))
                state.nextJob = claimed.upperBound
                state.preparing += claimed.count
                wakeOneIfWorkIsLeft(state, jobs: jobs.count)
                runPrepares(jobs, claimed, state: state, prepare: prepare)
                continue
            }
            // Jobs still being prepared may yet queue fetches: their workers come back here.
            if state.nextJob == jobs.count, state.waiting == 0, state.preparing == 0 {
                condition.broadcast()
                return
            }
            state.sleeping += 1
            condition.wait()
            state.sleeping -= 1
        }
    }

    /// One fetch, outside the lock (held on entry and on return); its slots are freed before
    /// any work that must not hold them (`afterSlots`).
    private func runFetch<Pending, Output>(
        _ item: FetchQueue<Pending>.Item, of key: String, state: PoolState<Pending, Output>, fetch: (Pending) -> FetchStep<Output>
    ) {
        condition.unlock()
        let step = fetch(item.pending)
        condition.lock()
        state.inFlight[key, default: 1] -= 1
        state.certificatesInFlight.remove(item.certificate)
        switch step {
        case .done(let output):
            state.outputs[item.index] = output
        case .afterSlots(let rest):
            // The slots freed are for others while this one waits.
            condition.signal()
            condition.unlock()
            let output = rest()
            condition.lock()
            state.outputs[item.index] = output
        }
    }

    /// First steps taken at once: a fresh staple's first step is a few file reads, and two
    /// workers taking the lock twice per staple spent a fifth of a fresh run waiting for each
    /// other. Up to 16, fewer near the end (the last ones shared out), never past the backlog.
    static let preparesAtOnce = 16

    /// Jobs claimed now: those being prepared elsewhere count against the backlog, so that at
    /// most one job per worker is prepared beyond it, as when each took one.
    private func prepareBatch<Pending, Output>(_ state: PoolState<Pending, Output>, jobs: Int) -> Int {
        let left = jobs - state.nextJob
        let share = left / (2 * max(1, state.workers))
        return max(1, min(Self.preparesAtOnce, backlog - state.waiting - state.preparing, share))
    }

    /// First steps, outside the lock (held on entry and on return): each done, or queued at
    /// its responder, all recorded under one lock.
    private func runPrepares<Job, Pending, Output>(
        _ jobs: [Job], _ claimed: Range<Int>, state: PoolState<Pending, Output>, prepare: (Job) -> PoolStep<Pending, Output>
    ) {
        condition.unlock()
        let steps = claimed.map { prepare(jobs[$0]) }
        condition.lock()
        state.preparing -= claimed.count
        var queued = false
        for (index, step) in zip(claimed, steps) {
            switch step {
            case .done(let output):
                state.outputs[index] = output
            case .fetch(let pending, let responder, let certificate):
                state.queues[responder, default: FetchQueue()].append(index, pending, certificate: certificate)
                state.waiting += 1
                addWorkerIfFetchesWait(state)
                queued = true
            }
        }
        if queued { wakeOneIfWorkIsLeft(state, jobs: jobs.count) }
    }

    /// Wakes one sleeping worker when a fetch could start or a job could be prepared now.
    private func wakeOneIfWorkIsLeft<Pending, Output>(_ state: PoolState<Pending, Output>, jobs: Int) {
        if state.nextJob < jobs, state.waiting < backlog {
            condition.signal()
            return
        }
        for (key, queue) in state.queues where state.inFlight[key, default: 0] < limits.refreshesPerResponder {
            if queue.hasFirst(where: { !state.certificatesInFlight.contains($0) }) {
                condition.signal()
                return
            }
        }
    }

    /// The oldest waiting fetch of a responder with room whose certificate is not being fetched.
    private func takeFetch<Pending, Output>(_ state: PoolState<Pending, Output>) -> (String, FetchQueue<Pending>.Item)? {
        for key in state.queues.keys {
            guard state.inFlight[key, default: 0] < limits.refreshesPerResponder else { continue }
            guard var queue = state.queues[key],
                let item = queue.removeFirst(where: { !state.certificatesInFlight.contains($0) })
            else { continue }
            state.queues[key] = queue.isEmpty ? nil : queue
            state.certificatesInFlight.insert(item.certificate)
            state.waiting -= 1
            state.inFlight[key, default: 0] += 1
            return (key, item)
        }
        return nil
    }
}

extension RefreshPool {
    /// Every job through `refresher`, its requests through a `ResponderGate` of these limits.
    /// Each result is reduced by `summarize` on its worker, so that thousands of verified
    /// proofs (and their OpenSSL objects) are never held at once. Jobs not yet started when
    /// `cancellation` is set end as `.busy`. An output whose lock another process holds is
    /// judged after its slots are freed, within one window of waiting for the whole run
    /// (`waits`: a new one per run, a daemon round being a run). With a `round`, outputs of
    /// one certificate ask its responder once (`SharedFetchRound`).
    public func run<Output: Sendable>(
        _ jobs: [RefreshJob], refresher: Refresher, cancellation: CancellationFlag? = nil,
        waits: LockWaitBudget = LockWaitBudget(), round: SharedFetchRound? = nil,
        summarize: @escaping @Sendable (RefreshJob, Refreshed) -> Output
    ) -> [Output] {
        let sharing = round.map { SharedFetchUse(round: $0) }
        return runRefreshes(jobs, refresher: refresher, cancellation: cancellation, waits: waits) { refresher, job in
            switch refresher.prepare(job) {
            case .finished(let refreshed): return .finished(refreshed)
            case .needsLock(var pending):
                pending.sharing = sharing
                return .needsLock(pending)
            }
        } summarize: { job, refreshed in
            // Every job is prepared, so every one is summarized.
            refreshed.map { summarize(job, $0) }
        }.compactMap { $0 }
    }

    /// Offers the answers `round` fetched to `jobs`, outputs not due themselves
    /// (`Refresher.prepareOffered`): nil for those the round fetched nothing for, left untouched.
    public func offer<Output: Sendable>(
        _ jobs: [RefreshJob], refresher: Refresher, round: SharedFetchRound, cancellation: CancellationFlag? = nil,
        waits: LockWaitBudget = LockWaitBudget(), summarize: @escaping @Sendable (RefreshJob, Refreshed) -> Output
    ) -> [Output?] {
        runRefreshes(jobs, refresher: refresher, cancellation: cancellation, waits: waits) { refresher, job in
            refresher.prepareOffered(job, round: round)
        } summarize: { job, refreshed in
            refreshed.map { summarize(job, $0) }
        }
    }

    /// The pool's two steps for refreshes: `prepare` (nil: nothing to do for this job), then,
    /// for a job that needs its lock, the rest at its responder and certificate's turn.
    private func runRefreshes<Output: Sendable>(
        _ jobs: [RefreshJob], refresher ungated: Refresher, cancellation: CancellationFlag?, waits: LockWaitBudget,
        prepare: @escaping @Sendable (Refresher, RefreshJob) -> RefreshStep?,
        summarize: @escaping @Sendable (RefreshJob, Refreshed?) -> Output?
    ) -> [Output?] {
        let refresher = ungated.with(
            transport: GatedTransport(ungated.transport, gate: ResponderGate(limits: limits), cancellation: cancellation))
        let skip: @Sendable () -> Bool = { cancellation?.isCancelled == true }
        let skipped = Refreshed(outcome: .busy, nextAttempt: nil)
        return run(
            jobs,
            prepare: { job -> PoolStep<PendingRefresh, Output?> in
                if skip() { return .done(summarize(job, skipped)) }
                switch prepare(refresher, job) {
                case nil: return .done(summarize(job, nil))
                case .finished(let refreshed): return .done(summarize(job, refreshed))
                case .needsLock(let pending):
                    return .fetch(pending, responder: pending.responderKey, certificate: pending.issuerNameAndSerial)
                }
            },
            fetchStep: { pending -> FetchStep<Output?> in
                if skip() { return .done(summarize(pending.job, skipped)) }
                switch refresher.completeUnlessLockHeld(pending) {
                case .finished(let refreshed): return .done(summarize(pending.job, refreshed))
                case .lockHeld(let held): return .afterSlots { summarize(held.job, refresher.lockHeldByAnother(held, waits: waits)) }
                }
            })
    }
}
