import Foundation
import Yams

/// The per-entry settings shared by `defaults:`, `staples:` and `directories:` entries.
extension ConfigurationReader {
    /// Applies the settings `mapping` names to `job`, in the order of the keys' documentation;
    /// a key not named keeps what `job` had (the defaults' value, or the built-in one).
    mutating func apply(_ mapping: KeyedMapping, to job: inout RefreshJob, at keyPath: String) {
        applyTarget(mapping, to: &job, at: keyPath)
        applySources(mapping, to: &job, at: keyPath)
        applyHook(mapping, to: &job, at: keyPath)
        applyTiming(mapping, to: &job.timing, at: keyPath)
        checkAssumedValidity(mapping, of: job, at: keyPath)
        applyBudget(mapping, to: &job, at: keyPath)
    }

    /// The merged `assume-validity` against the merged target, reported once: where this
    /// mapping sets one of the two keys.
    private mutating func checkAssumedValidity(_ mapping: KeyedMapping, of job: RefreshJob, at keyPath: String) {
        guard let message = job.policy.target.assumedValidityProblem(job.timing.assumedValidity),
            let key = ["assume-validity", "target"].first(where: { mapping[key: $0] != nil })
        else { return }
        problem("\(keyPath).\(key)", mapping[key: key], message)
    }

    /// `target` and `expiry-margin`: which proofs the server takes.
    private mutating func applyTarget(_ mapping: KeyedMapping, to job: inout RefreshJob, at keyPath: String) {
        if let node = mapping[key: "target"], let text = string(node, at: "\(keyPath).target") {
            if let target = Target(rawValue: text) {
                job.policy = TargetPolicy(target: target, expiryMargin: job.policy.expiryMargin)
            } else {
                problem("\(keyPath).target", node, "'\(text)' is not one of exim, nginx, haproxy, generic")
            }
        }
        if let node = mapping[key: "expiry-margin"], let value = duration(node, at: "\(keyPath).expiry-margin") {
            job.policy = TargetPolicy(target: job.policy.target, expiryMargin: value)
        }
    }

    /// `issuer`, `responder`, `responder-cert` and `nonce`: where the proof comes from.
    private mutating func applySources(_ mapping: KeyedMapping, to job: inout RefreshJob, at keyPath: String) {
        if let node = mapping[key: "issuer"], let value = string(node, at: "\(keyPath).issuer") {
            checkFile(value, at: "\(keyPath).issuer", node: node)
            job.issuerPath = value
        }
        if let node = mapping[key: "responder"], let value = string(node, at: "\(keyPath).responder") {
            if FetchableURL.isAllowed(value) {
                job.responderURL = value
            } else {
                problem("\(keyPath).responder", node, "'\(value)' is not an http:// or https:// URL")
            }
        }
        if let node = mapping[key: "responder-cert"], let value = string(node, at: "\(keyPath).responder-cert") {
            checkFile(value, at: "\(keyPath).responder-cert", node: node)
            job.responderCertificatePath = value
        }
        if let node = mapping[key: "nonce"], let value = bool(node, at: "\(keyPath).nonce") {
            job.nonce = value
        }
    }

    /// `hook`, `on-revoked`, `on-failure` and `hook-timeout` (the timeout of all three): what
    /// runs after a staple changed, a certificate was found revoked, or refreshing failed.
    private mutating func applyHook(_ mapping: KeyedMapping, to job: inout RefreshJob, at keyPath: String) {
        let timeout = job.hook?.timeout ?? Hook.defaultTimeout
        if let node = mapping[key: "hook"], let hook = command(node, at: "\(keyPath).hook", timeout: timeout) { job.hook = hook }
        if let node = mapping[key: "on-revoked"], let hook = command(node, at: "\(keyPath).on-revoked", timeout: timeout) {
            job.events.onRevoked = hook
        }
        if let node = mapping[key: "on-failure"], let hook = command(node, at: "\(keyPath).on-failure", timeout: timeout) {
            job.events.onFailure = hook
        }
        if let node = mapping[key: "hook-timeout"], let value = duration(node, at: "\(keyPath).hook-timeout") {
            job.hook?.timeout = value
            if job.hook == nil { job.hook = Hook(arguments: [], timeout: value) }
            job.events.onRevoked?.timeout = value
            job.events.onFailure?.timeout = value
        }
        if let node = mapping[key: "failure-threshold"], let value = count(node, at: "\(keyPath).failure-threshold") {
            job.events.failure.threshold = value
        }
        if let node = mapping[key: "failure-hook-interval"], let value = duration(node, at: "\(keyPath).failure-hook-interval") {
            job.events.failure.interval = value
        }
    }

    /// A hook's command: an argument vector whose program is found and checked now.
    private mutating func command(_ node: Node, at keyPath: String, timeout: TimeInterval) -> Hook? {
        guard let list = node.sequence, !list.isEmpty, list.allSatisfy({ $0.scalar != nil }) else {
            problem(keyPath, node, "expected a command as a list of arguments, such as [/usr/sbin/nginx, -s, reload] (no shell string)")
            return nil
        }
        let arguments = list.compactMap { $0.scalar?.string }
        return Hook(arguments: arguments, timeout: timeout, executable: hookExecutable(arguments[0], at: keyPath, node: node))
    }

    /// When to refresh and how to back off (`Timing`).
    private mutating func applyTiming(_ mapping: KeyedMapping, to timing: inout Timing, at keyPath: String) {
        func at(_ key: String) -> String { "\(keyPath).\(key)" }
        if let node = mapping[key: "refresh-at"], let value = fraction(node, at: at("refresh-at")) { timing.refreshAt = value }
        if let node = mapping[key: "jitter"], let value = fraction(node, at: at("jitter")) { timing.jitter = value }
        if let node = mapping[key: "min-interval"], let value = duration(node, at: at("min-interval")) { timing.minimumInterval = value }
        if let node = mapping[key: "deadline-min"], let value = duration(node, at: at("deadline-min")) { timing.deadlineMinimum = value }
        if let node = mapping[key: "deadline-fraction"], let value = fraction(node, at: at("deadline-fraction")) {
            timing.deadlineFraction = value
        }
        if let node = mapping[key: "backoff-min"], let value = duration(node, at: at("backoff-min")) { timing.backoffMinimum = value }
        if let node = mapping[key: "backoff-max"], let value = duration(node, at: at("backoff-max")) { timing.backoffMaximum = value }
        if let node = mapping[key: "warning-fraction"], let value = fraction(node, at: at("warning-fraction")) {
            timing.warningFraction = value
        }
        if let node = mapping[key: "assume-validity"], let value = duration(node, at: at("assume-validity")) {
            timing.assumedValidity = value
        }
        if timing.backoffMinimum > timing.backoffMaximum {
            problem(at("backoff-min"), mapping[key: "backoff-min"], "backoff-min is larger than backoff-max")
        }
        // Judged on the merged timing, reported once: where this mapping sets one of the two keys.
        if let message = timing.assumedValidityProblem,
            let key = ["assume-validity", "deadline-min"].first(where: { mapping[key: $0] != nil })
        {
            problem(at(key), mapping[key: key], message)
        }
    }

    /// `refresh-budget` and `max-responder-urls`: how much one refresh may spend.
    private mutating func applyBudget(_ mapping: KeyedMapping, to job: inout RefreshJob, at keyPath: String) {
        if let node = mapping[key: "refresh-budget"], let value = duration(node, at: "\(keyPath).refresh-budget") {
            job.budget = RefreshBudget(maximumURLs: job.budget.maximumURLs, seconds: value)
        }
        if let node = mapping[key: "max-responder-urls"], let value = count(node, at: "\(keyPath).max-responder-urls") {
            job.budget = RefreshBudget(maximumURLs: value, seconds: job.budget.seconds)
        }
    }

    /// The absolute path the hook will start, found and checked now, with the interpreters
    /// its `#!` lines start (see HookExecutable).
    private mutating func hookExecutable(_ command: String, at keyPath: String, node: Node?) -> String? {
        switch HookExecutable.resolve(command) {
        case .success(let path): return path
        case .failure(let error):
            problem(keyPath, node, error.description)
            return nil
        }
    }
}
