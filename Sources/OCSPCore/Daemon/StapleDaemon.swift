import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `ocspd run`: keeps every configured staple fresh. It sleeps until the earliest moment
/// something is due (a scheduled refresh, a retry, a target's removal deadline) or the next
/// chain check, re-reading the wall clock whenever it wakes. SIGHUP reloads the configuration
/// (a bad one is reported and the old kept) and re-reads every chain; SIGTERM and SIGINT
/// (through ServiceLifecycle's graceful shutdown) abort transfers in flight and return.
public struct StapleDaemon: Service {
    public let configurationPath: String
    public let initialConfiguration: Configuration
    public let logger: Logger
    public let now: @Sendable () -> Date
    /// Prometheus textfile, rewritten after each round of refreshes.
    public let metricsFile: String?

    public init(
        configurationPath: String, configuration: Configuration, metricsFile: String? = nil, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configurationPath = configurationPath
        self.initialConfiguration = configuration
        self.metricsFile = metricsFile
        self.logger = logger
        self.now = now
    }

    enum Event: Sendable {
        case timer
        case reload
        /// Something changed in a folder holding chains.
        case foldersChanged
    }

    /// After a change in a chain folder, the chains are checked this much later: a renewal
    /// writes several files (certificate, chain, key) in a burst.
    static let settleDelay: TimeInterval = 1

    /// The longest single sleep: after a suspend or a clock step, the daemon looks at the wall
    /// clock again within this long, whatever is scheduled.
    static let longestSleep: TimeInterval = 600

    public func run() async throws {
        let cancellation = CancellationFlag()
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let state = DaemonState(configuration: initialConfiguration, now: now())
        logger.notice("ocspd \(OCSPDVersion.current) started: \(state.entries.count) staple(s) from \(configurationPath)")
        let watcher = startWatching(state) { continuation.yield(.foldersChanged) }
        defer { watcher?.stop() }

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        continuation.yield(.reload)
                    }
                }
                let timer = WakeTimer(now: now) { continuation.yield(.timer) }
                await loop(over: events, state: state, watcher: watcher, timer: timer, cancellation: cancellation)
                timer.cancel()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            logger.notice("ocspd is shutting down: aborting transfers in flight and stopping running hooks")
            cancellation.cancel()
            continuation.finish()
        }
        logger.notice("ocspd stopped")
    }

    /// inotify on the chain folders, or nil (with a warning) where it cannot be had.
    private func startWatching(_ state: DaemonState, onChange: @escaping @Sendable () -> Void) -> FolderWatcher? {
        guard let watcher = FolderWatcher() else {
            logger.warning(
                "cannot watch the chain folders (inotify: \(String(cString: strerror(errno)))); renewed chains are noticed by the check every \(Int(state.configuration.watchInterval)) s"
            )
            return nil
        }
        watchFolders(of: state, with: watcher)
        watcher.start(onChange)
        return watcher
    }

    /// The run loop: each event runs what is due (or, for a change in a chain folder, moves
    /// the next chain check forward), then sleeps until the earliest wake.
    private func loop(
        over events: AsyncStream<Event>, state: DaemonState, watcher: FolderWatcher?, timer: WakeTimer, cancellation: CancellationFlag
    ) async {
        timer.arm(now())
        for await event in events {
            if cancellation.isCancelled { break }
            if event == .foldersChanged {
                state.nextWatch = min(state.nextWatch, now().addingTimeInterval(Self.settleDelay))
                // A switched symlink points the watches elsewhere at once, before the settle delay.
                if let watcher { watchFolders(of: state, with: watcher) }
                timer.arm(state.nextWake)
                continue
            }
            if event == .reload { reload(state) }
            if now() >= state.nextCollection { collectAbandonedState(state) }
            await runDue(state, cancellation: cancellation)
            if let watcher { watchFolders(of: state, with: watcher) }
            if cancellation.isCancelled { break }
            timer.arm(state.nextWake)
        }
    }

    /// Points the watches at the folders as they resolve now (see `WatchTargets`), adding
    /// back any the kernel dropped (a folder deleted and made again). Failures are logged
    /// once per new set of targets.
    private func watchFolders(of state: DaemonState, with watcher: FolderWatcher) {
        let targets = WatchTargets.resolve(state.watchedFolders)
        let failed = watcher.watch(targets)
        guard targets != state.watchTargets else { return }
        state.watchTargets = targets
        if let (folder, reason) = failed.first {
            logger.warning(
                "cannot watch \(failed.count) chain folder(s), \(folder) among them: \(reason); changes there are noticed by the check every \(Int(state.configuration.watchInterval)) s"
            )
        }
    }

    private func reload(_ state: DaemonState) {
        do {
            let configuration = try ConfigurationLoader.load(path: configurationPath)
            state.configuration = configuration
            logger.notice("configuration \(configurationPath) reloaded: \(configuration.jobs().count) staple(s)")
            for problem in configuration.fileProblems {
                logger.warning("\(problem); this entry fails until it is fixed, the others proceed")
            }
        } catch {
            logger.error("configuration \(configurationPath) not reloaded, the previous one stays in force: \(error)")
        }
        // Re-read every chain now, and forget what the new configuration dropped long ago.
        state.nextWatch = now()
        state.nextCollection = now()
    }

    private func runDue(_ state: DaemonState, cancellation: CancellationFlag) async {
        let moment = now()
        if moment >= state.nextWatch {
            state.watch(at: moment, logger: logger)
        }
        let transport = CurlTransport(cancellation: cancellation, refusePrivateAddresses: state.configuration.refusePrivateAddresses)
        let refresher = Refresher(
            transport: transport,
            stateStore: StateStore(directory: state.configuration.stateDirectory), now: now, logger: logger,
            cancellation: cancellation)
        let jobs = state.dueOutputs(at: moment).compactMap { output -> RefreshJob? in
            guard var job = state.entries[output]?.job else { return nil }
            job.followsSchedule = true
            return job
        }
        guard !jobs.isEmpty, !cancellation.isCancelled else { return }
        let pool = RefreshPool(limits: state.configuration.concurrency)
        let watchInterval = state.configuration.watchInterval
        let now = self.now
        // Siblings of due outputs (same chain, same fetch settings) not due yet are offered
        // what the due ones fetched: one request per certificate, the group kept in step.
        let (siblings, learned, round) = (state.scheduledJobs, state.certificates, SharedFetchRound())
        // Jobs not yet started when shutdown begins are skipped, not failed.
        let wakes = await Self.onOwnThread {
            SharedRound.run(
                jobs, offeredFrom: siblings, learned: learned, round: round, pool: pool, refresher: refresher, cancellation: cancellation
            ) { job, refreshed in
                DaemonState.wake(after: refreshed, policy: job.policy, watchInterval: watchInterval, at: now())
            }
        }
        await Self.onOwnThread { refresher.deliverEvents(cap: state.configuration.failureHooksPerRound) }
        state.learn(round.outputCertificates)
        for (job, wake) in wakes {
            state.entries[PathKey(job.outputPath)]?.wake = wake
        }
        if let metricsFile {
            MetricsWriting.write(state.entries.values.map(\.job), store: refresher.stateStore, to: metricsFile, logger: logger)
        }
    }

    /// Refreshes block (libcurl, fsync): they run on threads of their own, not cooperative ones.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.start()
        }
    }
}

/// The daemon's bookkeeping, touched only from its one run loop.
final class DaemonState: @unchecked Sendable {
    struct Entry {
        var job: RefreshJob
        var wake: Date
        var fingerprint: ChainFingerprint?
    }

    var configuration: Configuration
    /// Keyed by the output's bytes: two outputs whose names differ only in their Unicode
    /// normalisation (`café.pem.ocsp` NFC and NFD) are two files, two entries, never one.
    var entries: [PathKey: Entry] = [:]
    var nextWatch: Date
    /// When the state of outputs no longer configured is next collected (`StateCollector`):
    /// at start, after a reload, then daily.
    var nextCollection: Date
    /// Chains gone from watched folders, awaiting their second look.
    var goneChains = GoneChains()
    /// The resolved folders inotify watches now.
    var watchTargets: Set<PathKey> = []
    /// The chains in watched folders last found not maintainable, logged when they change.
    private var entryFailures: [[UInt8]] = []

    /// The folders of every chain, and the configured folders new chains appear in.
    var watchedFolders: Set<PathKey> {
        Set(
            (entries.values.map { ($0.job.chainPath as NSString).deletingLastPathComponent }
                + configuration.directories.map(\.path)).filter { !$0.isEmpty }.map(PathKey.init))
    }

    init(configuration: Configuration, now: Date) {
        self.configuration = configuration
        nextWatch = now
        nextCollection = now
        for job in configuration.jobs() {
            entries[PathKey(job.outputPath)] = Entry(job: job, wake: now, fingerprint: ChainFingerprint(path: job.chainPath))
        }
    }

    var nextWake: Date {
        (entries.values.map(\.wake) + [nextWatch, nextCollection]).min() ?? nextWatch
    }

    /// When `dueOutputs` last ran: a clock now behind it was stepped back.
    private var lastLook: Date?

    /// The staples due at `moment`. After the clock was stepped back, every wake was planned
    /// under a clock ahead of this one, so all are due: each refresh judges its stored plan
    /// against the proof in place (`StoredPlan`), a fresh staple at the cost of two reads.
    func dueOutputs(at moment: Date) -> [PathKey] {
        let steppedBack = lastLook.map { moment < $0 } ?? false
        lastLook = moment
        return entries.filter { steppedBack || $0.value.wake <= moment }.sorted { $0.value.wake < $1.value.wake }.map(\.key)
    }

    /// The certificate (issuer name and serial) of each output as its last shared round found
    /// it: outputs of one certificate in different chain files (nginx's fullchain.pem,
    /// HAProxy's bundle) are offered each other's answers.
    private(set) var certificates: [PathKey: String] = [:]

    /// Keeps what a round found, forgetting outputs no longer maintained.
    func learn(_ found: [PathKey: String]) {
        certificates.merge(found) { _, new in new }
        if certificates.count > entries.count { certificates = certificates.filter { entries[$0.key] != nil } }
    }

    /// Every entry's job as refreshed on its schedule: the candidates for an offered answer.
    var scheduledJobs: [RefreshJob] {
        entries.values.map { entry in
            var job = entry.job
            job.followsSchedule = true
            return job
        }
    }

    /// Picks up configuration changes, new and removed chains in watched folders, and
    /// replaced chain files (renewals), which become due at once.
    func watch(at moment: Date, logger: Logger) {
        let (jobs, failures) = configuration.expansion()
        logChanged(failures, logger: logger)
        let outputs = Set(jobs.map { PathKey($0.outputPath) })
        for output in entries.keys where !outputs.contains(output) {
            noLongerMaintaining(output, at: moment, logger: logger)
        }
        for job in jobs {
            let fingerprint = ChainFingerprint(path: job.chainPath)
            let key = PathKey(job.outputPath)
            if var entry = entries[key] {
                if entry.fingerprint != fingerprint {
                    logger.notice("\(job.chainPath) changed; refreshing \(job.outputPath) now")
                    entry.wake = moment
                }
                entry.job = job
                entry.fingerprint = fingerprint
                entries[key] = entry
            } else {
                logger.notice("now maintaining \(job.outputPath) for \(job.chainPath)")
                entries[key] = Entry(job: job, wake: moment, fingerprint: fingerprint)
            }
        }
        nextWatch = moment.addingTimeInterval(configuration.watchInterval)
        lookAgainAtGoneChains(at: moment, outputs: outputs, logger: logger)
    }

    /// Chains in watched folders that cannot be maintained (a name that is not UTF-8, an
    /// output another entry writes), logged when the set changes, not at every check.
    private func logChanged(_ failures: [Configuration.EntryFailure], logger: Logger) {
        let messages = failures.map(\.message)
        let bytes = messages.map { Array($0.utf8) }
        guard bytes != entryFailures else { return }
        entryFailures = bytes
        for message in messages { logger.error("\(message)") }
    }

    /// When a staple needs the daemon next (`RefreshSchedule.wake`).
    static func wake(after refreshed: Refreshed, policy: TargetPolicy, watchInterval: TimeInterval, at moment: Date) -> Date {
        RefreshSchedule.wake(after: refreshed, policy: policy, watchInterval: watchInterval, at: moment)
    }
}
