import Foundation
import Logging

/// Runs the `on-failure` hooks of one round: the events of many staples become one run per
/// hook, event, reason and responder (a dead responder behind 10,000 staples starts one
/// process, told `OCSPD_EVENT_STAPLES=10000`), and at most `cap` runs per round, the groups
/// covering the most staples first. Each run obeys the hook rules (`HookRunner`: timeout,
/// its process group stopped at shutdown, failure logged, the staples untouched).
///
/// An event is *delivered* when its hook was started and ended, whatever its exit status or
/// when stopped at its timeout: ocspd did its part, and a hook that always fails must not
/// run again every round. Only then is it written in each staple's state (`FailureAlert`),
/// under the staple's lock. An event whose hook did not start (the cap, a refused or missing
/// program, shutdown) or was stopped by shutdown is not delivered: its staple raises it again
/// at its next refresh.
public enum EventDispatch {
    /// `failure-hooks-per-round`.
    public static let defaultRunsPerRound = 10

    /// The events that make one hook run.
    struct Group {
        var hook: Hook
        var event: FailureEvents.Event
        var url: String
        var notices: [EventNotice]
    }

    /// Coalesces `notices` into runs, the largest first, then in the order first raised.
    static func groups(_ notices: [EventNotice]) -> [Group] {
        var groups: [Group] = []
        var index: [String: Int] = [:]
        for notice in notices {
            let key = [
                notice.hook.arguments.joined(separator: "\u{0}"), notice.event.kind.rawValue, notice.event.reason.rawValue, notice.url,
            ]
            .joined(separator: "\u{1}")
            if let at = index[key] {
                groups[at].notices.append(notice)
            } else {
                index[key] = groups.count
                groups.append(Group(hook: notice.hook, event: notice.event, url: notice.url, notices: [notice]))
            }
        }
        return groups.enumerated().sorted { ($0.element.notices.count, -$0.offset) > ($1.element.notices.count, -$1.offset) }.map(\.element)
    }

    /// Runs the round's groups (`run` is `HookRunner.run` but in tests), and records each
    /// delivered event in its staples' state. Returns the groups run.
    @discardableResult
    static func dispatch(
        _ round: RoundEvents, cap: Int, stateStore: StateStore, logger: Logger, at now: Date,
        run: (Hook, [String: String]) -> HookRunner.Result
    ) -> [Group] {
        let groups = groups(round.take())
        let runs = groups.prefix(max(0, cap))
        if groups.count > runs.count {
            let left = groups.dropFirst(runs.count)
            logger.error(
                "\(left.count) on-failure run(s) covering \(left.map(\.notices.count).reduce(0, +)) staple(s) were not started: at most \(cap) per round (failure-hooks-per-round); they are raised again at their next refresh"
            )
        }
        for group in runs {
            let result = run(group.hook, HookEnvironment.failureEvent(group, at: now))
            guard delivered(result, group: group, logger: logger) else { continue }
            for notice in group.notices { markDelivered(notice, stateStore: stateStore, logger: logger, at: now) }
        }
        return Array(runs)
    }

    /// Logs how the run ended; whether the event counts as delivered.
    private static func delivered(_ result: HookRunner.Result, group: Group, logger: Logger) -> Bool {
        let command = group.hook.arguments.joined(separator: " ")
        let what =
            "the on-failure hook for \(group.event.kind.rawValue) (\(group.event.reason.rawValue), \(group.url), \(group.notices.count) staple(s))"
        switch result {
        case .succeeded:
            logger.notice("\(what) ran: \(command)")
            return true
        case .failed(let status):
            logger.error("\(what) exited \(status): \(command); the event counts as delivered, the staples stay as they are")
            return true
        case .timedOut:
            logger.error(
                "\(what) did not finish within \(Int(group.hook.timeout)) s and was stopped: \(command); the event counts as delivered")
            return true
        case .couldNotStart(let reason):
            logger.error("\(what) could not start: \(reason): \(command); it is raised again at the next refresh")
        case .stoppedAtShutdown, .notStartedAtShutdown:
            logger.error("\(what) did not run to its end because ocspd is shutting down; it is raised again after the restart: \(command)")
        }
        return false
    }

    /// Writes the delivered event in the staple's state, under its lock (a refresh of the
    /// staple by another process must not lose it, nor this write lose the refresh's).
    private static func markDelivered(_ notice: EventNotice, stateStore: StateStore, logger: Logger, at now: Date) {
        do {
            guard let lock = try stateStore.lock(for: notice.output) else {
                logger.warning(
                    "\(notice.output): its lock is held, so the delivered \(notice.event.kind.rawValue) event is not recorded; it may be raised again"
                )
                return
            }
            try withExtendedLifetime(lock) { () throws(AtomicWriteError) in
                var state = stateStore.load(for: notice.output)
                var alert = state.alert ?? FailureAlert()
                alert.delivered(notice.event, at: now)
                state.alert = alert
                try stateStore.save(state, for: notice.output, durability: .atomicOnly)
            }
        } catch {
            logger.warning(
                "\(notice.output): the delivered \(notice.event.kind.rawValue) event could not be recorded in its state: \(error); it may be raised again"
            )
        }
    }
}

extension Refresher {
    /// The end of a round (`ocspd run`, `refresh --config`): runs the `on-failure` hooks of
    /// the events its refreshes raised (`EventDispatch`), on this refresher's clock, logger
    /// and shutdown flag.
    public func deliverEvents(cap: Int) {
        let cancellation = self.cancellation
        let logger = self.logger
        EventDispatch.dispatch(events, cap: cap, stateStore: stateStore, logger: logger, at: now()) { hook, environment in
            HookRunner.run(hook, environment: environment, cancellation: cancellation, log: { logger.warning("\($0)") })
        }
    }
}
