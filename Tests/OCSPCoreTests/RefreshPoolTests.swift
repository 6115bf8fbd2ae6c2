import Foundation
import Testing

@testable import OCSPCore

/// Concurrency within limits: overall, per responder, and a request rate per responder.
@Suite struct RefreshPoolTests {
    final class Gauge: @unchecked Sendable {
        private let lock = NSLock()
        private var current: [String: Int] = [:]
        private var total = 0
        private(set) var peak: [String: Int] = [:]
        private(set) var peakTotal = 0
        private(set) var starts: [String: [Date]] = [:]

        func enter(_ key: String) {
            lock.withLock {
                current[key, default: 0] += 1
                total += 1
                peak[key] = max(peak[key, default: 0], current[key, default: 0])
                peakTotal = max(peakTotal, total)
                starts[key, default: []].append(Date())
            }
        }

        var started: Int { lock.withLock { starts.values.reduce(0) { $0 + $1.count } } }

        func leave(_ key: String) {
            lock.withLock {
                current[key, default: 0] -= 1
                total -= 1
            }
        }
    }

    private func jobs(_ count: Int, responder: String) -> [RefreshJob] {
        (0..<count).map { RefreshJob(chainPath: "/nonexistent", outputPath: "/tmp/\(responder.hashValue)-\($0)", responderURL: responder) }
    }

    private func key(_ job: RefreshJob) -> String { ResponderKey.of(job.responderURL ?? "") }

    /// Even and odd jobs stand for two certificates.
    private func certificate(_ job: RefreshJob) -> String {
        "certificate-\((Int(job.outputPath.split(separator: "-").last ?? "") ?? 0) % 2)"
    }

    /// The threads that ran a pool's steps.
    final class ThreadSet: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: Set<UInt> = []
        func note() {
            lock.withLock {
                _ = seen.insert(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(Unmanaged.passUnretained(Thread.current).toOpaque()))))
            }
        }
        var count: Int { lock.withLock { seen.count } }
    }

    @Test func localWorkRunsOnNoMoreWorkersThanCores() {
        let threads = ThreadSet()
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 16)).run(
            Array(0..<2_000),
            prepare: { job -> PoolStep<Int, Int> in
                threads.note()
                return .done(job)
            },
            fetch: { $0 })
        #expect(outputs == Array(0..<2_000))
        #expect(threads.count <= ProcessInfo.processInfo.activeProcessorCount)
    }

    @Test func fetchesWaitingOnTheNetworkBringWorkersUpToTheLimit() {
        let gauge = Gauge()
        let responder = "http://ocsp-a.example.test"
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 8)).run(
            jobs(64, responder: responder),
            prepare: { job in PoolStep<RefreshJob, Int>.fetch(job, responder: key(job), certificate: job.outputPath) },
            fetch: { job in
                gauge.enter("all")
                usleep(20_000)
                gauge.leave("all")
                return 1
            })
        #expect(outputs.count == 64)
        #expect(gauge.peakTotal == 8)
    }

    @Test func neverMoreRefreshesInProgressThanTheLimitsAllow() {
        let gauge = Gauge()
        let a = "http://ocsp-a.example.test"
        let b = "http://ocsp-b.example.test:8080"
        let all = jobs(30, responder: a) + jobs(30, responder: b)
        let limits = ConcurrencyLimits(global: 10, perResponder: 2)
        let outcomes = RefreshPool(limits: limits).run(
            all,
            prepare: { job in
                PoolStep<RefreshJob, Int>.fetch(job, responder: key(job), certificate: job.outputPath)
            },
            fetch: { job in
                gauge.enter(key(job))
                usleep(20_000)
                gauge.leave(key(job))
                return 1
            })
        #expect(outcomes.count == 60)
        // Twice the request limit per responder: verifying and writing overlap the requests.
        #expect(limits.refreshesPerResponder == 4)
        #expect(gauge.peak["http://ocsp-a.example.test:80"] == 4)
        #expect(gauge.peak["http://ocsp-b.example.test:8080"] == 4)
        #expect(gauge.peakTotal == 8)
    }

    @Test func outputsComeBackInTheJobsOrder() {
        let all = jobs(30, responder: "http://ocsp.example.test")
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 8)).run(
            all,
            prepare: { job in
                usleep(UInt32.random(in: 0...2000))
                // Every third job is decided without a fetch, the way a fresh staple is.
                return job.outputPath.hasSuffix("3")
                    ? .done(job.outputPath) : PoolStep<RefreshJob, String>.fetch(job, responder: key(job), certificate: job.outputPath)
            },
            fetch: { job in
                usleep(UInt32.random(in: 0...5000))
                return job.outputPath
            })
        #expect(outputs == all.map(\.outputPath))
    }

    /// A transport that records when each request started and holds it for a while.
    final class RecordingTransport: HTTPTransport, @unchecked Sendable {
        let gauge = Gauge()
        let hold: useconds_t

        init(hold: useconds_t) { self.hold = hold }

        func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
            gauge.enter(ResponderKey.of(request.url))
            usleep(hold)
            gauge.leave(ResponderKey.of(request.url))
            return .success(HTTPResponse(statusCode: 200, body: [], effectiveURL: request.url))
        }
    }

    /// `count` requests at once, each on a thread of its own.
    private func requests(_ count: Int, through transport: GatedTransport, urls: [String]) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                _ = transport.perform(.get(urls[index % urls.count] + "/\(index)"))
                group.leave()
            }.start()
        }
        group.wait()
    }

    @Test func theGateKeepsRequestsInFlightPerResponderWithinTheLimit() {
        let recorder = RecordingTransport(hold: 20_000)
        let gate = ResponderGate(limits: ConcurrencyLimits(global: 16, perResponder: 3))
        requests(24, through: GatedTransport(recorder, gate: gate), urls: ["http://a.example.test", "http://b.example.test:8080"])
        #expect(recorder.gauge.peak["http://a.example.test:80"] == 3)
        #expect(recorder.gauge.peak["http://b.example.test:8080"] == 3)
    }

    @Test func theGateSpacesRequestsToTheConfiguredRate() {
        let recorder = RecordingTransport(hold: 0)
        let gate = ResponderGate(limits: ConcurrencyLimits(global: 8, perResponder: 8, perResponderRate: 20))
        let started = Date()
        requests(10, through: GatedTransport(recorder, gate: gate), urls: ["http://ocsp.example.test"])
        // 10 requests at 20 per second: the last starts at least 0.45 s after the first.
        #expect(Date().timeIntervalSince(started) >= 0.44)
        #expect(recorder.gauge.starts["http://ocsp.example.test:80"]?.count == 10)
    }

    @Test func aRequestWaitingAtTheGateGivesUpWhenShutdownBegins() {
        let recorder = RecordingTransport(hold: 2_000_000)
        let cancellation = CancellationFlag()
        let transport = GatedTransport(
            recorder, gate: ResponderGate(limits: ConcurrencyLimits(perResponder: 1)), cancellation: cancellation)
        Thread { _ = transport.perform(.get("http://ocsp.example.test/holder")) }.start()
        while recorder.gauge.started == 0 { usleep(10_000) }
        Thread {
            usleep(200_000)
            cancellation.cancel()
        }.start()
        let started = Date()
        let result = transport.perform(.get("http://ocsp.example.test/waiter"))
        #expect(Date().timeIntervalSince(started) < 1)
        guard case .failure(let error) = result else {
            Issue.record("the waiting request ran")
            return
        }
        #expect("\(error)".contains("shutting down"))
    }

    @Test func aResponderThatKeepsFailingIsPausedThenProbedOnce() {
        let clock = ManualClock()
        let gate = ResponderGate(limits: ConcurrencyLimits(), failuresBeforePause: 3, probeInterval: 0.3, now: clock.read)
        let url = "http://ocsp.example.test/x"
        for _ in 0..<3 { gate.record(url, unavailable: true) }
        guard case .paused(let failures) = gate.pass(url, { () }) else {
            Issue.record("not paused after three failures in a row")
            return
        }
        #expect(failures == 3)
        // Another responder is not affected.
        guard case .ran = gate.pass("http://other.example.test/x", { () }) else {
            Issue.record("another responder was paused")
            return
        }
        clock.advance(0.35)
        guard case .ran = gate.pass(url, { () }) else {
            Issue.record("no probe after the pause")
            return
        }
        // While the probe has not answered, the others still fail at once.
        guard case .paused = gate.pass(url, { () }) else {
            Issue.record("a second request went with the probe")
            return
        }
        gate.record(url, unavailable: false)
        guard case .ran = gate.pass(url, { () }) else {
            Issue.record("an answer did not end the pause")
            return
        }
    }

    @Test func thousandsBehindAFailingResponderCostAFewRequestsNotOneEach() throws {
        let down = try TestHTTPServer { _ in .respond(status: 503, headers: [], body: Array("<html>maintenance</html>".utf8)) }
        defer { down.stop() }
        let scenario = try Scenario()
        let chains = "\(scenario.folder)/chains"
        try FileManager.default.createDirectory(atPath: chains, withIntermediateDirectories: true)
        for index in 0..<30 {
            let leaf = try scenario.pki.issueLeaf(ocspURLs: [down.url])
            try FileManager.default.moveItem(
                atPath: try scenario.pki.chainFile(for: leaf, in: scenario.folder), toPath: "\(chains)/site\(index).pem")
        }
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        max-per-responder: 2
        defaults: { target: generic }
        directories: [ { path: \(chains), output-dir: \(scenario.folder) } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 2)
        // Ten failures in a row pause it; at most the two then in flight follow.
        #expect(down.requests.count <= 12, "\(down.requests.count) requests")
        #expect(result.stderr.contains("requests in a row"))
        // Each staple still has its own failure and backoff on record.
        let states = try FileManager.default.contentsOfDirectory(atPath: scenario.stateDirectory).filter { $0.hasSuffix(".json") }
        #expect(states.count == 30)
        let store = StateStore(directory: scenario.stateDirectory)
        let failed = (0..<30).map { store.load(for: "\(scenario.folder)/site\($0).pem.ocsp") }.filter {
            $0.consecutiveFailures == 1 && $0.nextAttempt != nil
        }
        #expect(failed.count == 30)
    }

    @Test func staplesNeedingNoFetchDoNotWaitForABusyResponder() {
        let responder = "http://ocsp.example.test"
        final class Flag: @unchecked Sendable {
            private let lock = NSLock()
            private var raised = false
            var isRaised: Bool { lock.withLock { raised } }
            func raise() { lock.withLock { raised = true } }
        }
        let slowFetchDone = Flag()
        let all =
            jobs(1, responder: responder)
            + jobs(50, responder: responder).map {
                var job = $0
                job.outputPath += "-fresh"
                return job
            }
        let finishedBeforeTheFetch = RefreshPool(limits: ConcurrencyLimits(global: 4, perResponder: 1)).run(
            all,
            prepare: { job in
                guard job.outputPath.hasSuffix("-fresh") else {
                    return PoolStep<RefreshJob, Bool>.fetch(job, responder: key(job), certificate: job.outputPath)
                }
                return .done(!slowFetchDone.isRaised)
            },
            fetch: { job in
                usleep(300_000)
                slowFetchDone.raise()
                return true
            })
        #expect(finishedBeforeTheFetch.allSatisfy { $0 })
    }

    @Test func preparedJobsWaitingForTheirResponderStayWithinTheBacklog() {
        final class Waiting: @unchecked Sendable {
            let lock = NSLock()
            var now = 0, peak = 0
            func change(_ delta: Int) {
                lock.withLock {
                    now += delta
                    peak = max(peak, now)
                }
            }
        }
        let waiting = Waiting()
        let all = jobs(200, responder: "http://ocsp.example.test")
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 2), backlog: 10).run(
            all,
            prepare: { job in
                waiting.change(1)
                return PoolStep<RefreshJob, Int>.fetch(job, responder: key(job), certificate: job.outputPath)
            },
            fetch: { job in
                waiting.change(-1)
                usleep(1000)
                return 1
            })
        #expect(outputs.count == 200)
        // The backlog plus one job being prepared on each other worker.
        #expect(waiting.peak <= 10 + 8)
    }

    @Test func neverTwoFetchesForOneCertificateAtOnce() {
        let gauge = Gauge()
        // Twenty outputs for two certificates (as when one chain feeds an Exim and a generic staple).
        let all = jobs(20, responder: "http://ocsp.example.test")
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 8, perResponder: 8)).run(
            all,
            prepare: { job in
                PoolStep<RefreshJob, Int>.fetch(job, responder: key(job), certificate: certificate(job))
            },
            fetch: { job in
                gauge.enter(certificate(job))
                usleep(5_000)
                gauge.leave(certificate(job))
                return 1
            })
        #expect(outputs.count == 20)
        #expect(gauge.peak.values.allSatisfy { $0 == 1 })
        #expect(gauge.peakTotal == 2)
    }

    @Test func aQueueThatNeverEmptiesDoesNotKeepWhatWasTaken() {
        var queue = RefreshPool.FetchQueue<Int>()
        for index in 0..<5 { queue.append(index, index) }
        var taken: [Int] = []
        var largest = 0
        for index in 5..<10_000 {
            queue.append(index, index)
            if let first = queue.removeFirst() { taken.append(first.index) }
            largest = max(largest, queue.storage)
        }
        #expect(taken == Array(0..<9_995))
        #expect(largest <= 64)
    }

    @Test func configuredStaplesRefreshConcurrentlyAgainstARealResponder() throws {
        let scenario = try Scenario()
        var text =
            "state-dir: \(scenario.stateDirectory)\nmax-concurrent: 8\nmax-per-responder: 4\ndefaults:\n  target: generic\nstaples:\n"
        for index in 0..<12 {
            let leaf = try scenario.pki.issueLeaf(ocspURLs: [scenario.url])
            text +=
                "  - chain: \(try scenario.pki.chainFile(for: leaf, in: scenario.folder))\n    output: \(scenario.folder)/staple-\(index).der\n"
        }
        // Started after every leaf exists: each -multi worker reads the index once.
        try scenario.startResponder(options: ["-multi", "4"])
        let config = "\(scenario.folder)/ocspd.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try OCSPDBinary.run(["refresh", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: scenario.folder).filter { $0.hasPrefix("staple-") }
        #expect(written.count == 12)
    }
}

/// Work a fetch step leaves for after its slots (waiting for a lock) keeps no slot.
@Suite struct RefreshPoolSlotTests {
    @Test func workLeftForAfterTheSlotsDoesNotHoldTheCertificatesSlot() {
        // Two jobs of one certificate: the first's remaining work waits (bounded) until the
        // second's fetch has run, which it could not while the first held the certificate.
        let secondFetched = DispatchSemaphore(value: 0)
        let outputs = RefreshPool(limits: ConcurrencyLimits(global: 4, perResponder: 4)).run(
            [0, 1],
            prepare: { job in
                PoolStep<Int, Bool>.fetch(job, responder: "r", certificate: "c")
            },
            fetchStep: { job -> FetchStep<Bool> in
                if job == 1 {
                    secondFetched.signal()
                    return .done(true)
                }
                return .afterSlots { secondFetched.wait(timeout: .now() + 10) == .success }
            })
        #expect(outputs == [true, true])
    }
}
