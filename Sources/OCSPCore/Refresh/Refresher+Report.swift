import Foundation
import Logging

/// The facts one outcome's log line names, gathered once: the certificate, the next refresh,
/// and the metadata `--log-format json` carries.
struct OutcomeLine {
    let job: RefreshJob
    let certificate: String
    /// "; next refresh ..." or nothing.
    let next: String
    var metadata: Logger.Metadata

    init(job: RefreshJob, leaf: LeafIdentity?, nextAttempt: Date?) {
        self.job = job
        metadata = ["output": "\(job.outputPath)", "target": "\(job.policy.target)"]
        if let leaf {
            metadata["subject"] = "\(leaf.subject)"
            metadata["serial"] = "\(leaf.serialNumber)"
            metadata["must_staple"] = "\(leaf.mustStaple)"
        }
        if let nextAttempt { metadata["next_refresh"] = "\(RFC3339.string(nextAttempt))" }
        certificate = leaf.map { "\($0.subject) (serial \($0.serialNumber)\($0.mustStaple ? ", Must-Staple" : ""))" } ?? job.chainPath
        next = nextAttempt.map { "; next refresh \(RFC3339.string($0))" } ?? ""
    }

    /// The proof's status and effective expiry, in the line and in the metadata.
    mutating func facts(_ staple: StapleFacts) -> String {
        metadata["status"] = "\(staple.status.name)"
        metadata["effective_expiry"] = "\(RFC3339.string(staple.effectiveExpiry))"
        return "status \(staple.status.name), \(staple.expiryText)"
    }
}

extension Refresher {
    /// One line per outcome, with the facts an operator greps for (and as metadata, for
    /// `--log-format json`), at a level cron and journald treat sensibly. `moment` is the
    /// refresh's reading of the clock (for the warning when little validity is left).
    func report(_ outcome: RefreshOutcome, job: RefreshJob, leaf: LeafIdentity?, nextAttempt: Date?, at moment: Date) -> RefreshOutcome {
        // An unchanged good staple logs at info only (and warns when running out): under
        // --quiet its line is not even built, for it is most of a cron run at scale.
        if case .unchanged(let staple, _) = outcome, !staple.status.isRevoked, logger.logLevel > .info,
            !RefreshSchedule.needsAttention(staple, at: moment, timing: job.timing)
        {
            return outcome
        }
        var line = OutcomeLine(job: job, leaf: leaf, nextAttempt: nextAttempt)
        let target = job.policy.target
        switch outcome {
        case .stapled(let staple, let responder):
            line.metadata["responder"] = "\(responder)"
            let facts = line.facts(staple.facts)
            logger.info(
                "wrote \(job.outputPath) for \(line.certificate) from \(responder) (target \(target)): \(facts)\(line.next)",
                metadata: line.metadata)
        case .unchanged(let staple, _) where staple.status.isRevoked:
            let facts = line.facts(staple)
            logger.critical(
                "certificate \(line.certificate) is REVOKED; the revoked proof in \(job.outputPath) is current: \(facts). Replace the certificate now.",
                metadata: line.metadata)
        case .unchanged(let staple, let reason):
            reportUnchanged(staple, reason: reason, line: &line, at: moment)
        case .revoked(let staple, let written, let removed):
            reportRevoked(staple, written: written, removed: removed, line: &line)
        case .failed(let error, let onDisk, let removed):
            reportFailed(error, onDisk: onDisk, removed: removed, nextAttempt: nextAttempt, line: &line, at: moment)
        case .lockHeld(let lock, let onDisk):
            reportLockHeld(lock: lock, onDisk: onDisk, line: &line)
        case .nothingToStaple, .busy:
            break
        }
        return outcome
    }

    private func reportUnchanged(_ staple: StapleFacts, reason: RefreshOutcome.UnchangedReason, line: inout OutcomeLine, at moment: Date) {
        let job = line.job
        let why: String
        switch reason {
        case .fresh: why = "is fresh, nothing fetched"
        case .identical: why = "unchanged: the responder sent the same proof again"
        case .newerOnDisk: why = "kept: the responder sent an older proof than the one in place"
        }
        let facts = line.facts(staple)
        logger.info(
            "\(job.outputPath) for \(line.certificate) \(why) (target \(job.policy.target)): \(facts)\(line.next)", metadata: line.metadata)
        if RefreshSchedule.needsAttention(staple, at: moment, timing: job.timing) {
            logger.warning(
                "\(job.outputPath): less than \(Int(job.timing.warningFraction * 100))% of the proof's validity is left",
                metadata: line.metadata)
        }
    }

    private func reportRevoked(_ staple: VerifiedStaple?, written: Bool, removed: Bool, line: inout OutcomeLine) {
        let job = line.job
        var text = "certificate \(line.certificate) is REVOKED"
        if case .revoked(let time, let reason)? = staple?.status {
            text += " since \(RFC3339.string(time))" + (reason.map { " (\($0))" } ?? "")
        }
        text += written ? "; the revoked proof is in \(job.outputPath)" : "; the revoked proof is not in \(job.outputPath)"
        if removed { text += " (the good staple was removed)" }
        line.metadata["status"] = "revoked"
        logger.critical("\(text) (target \(job.policy.target)). Replace the certificate now.", metadata: line.metadata)
    }

    private func reportFailed(
        _ error: RefreshError, onDisk: VerifiedStaple?, removed: RemovalReason?, nextAttempt: Date?, line: inout OutcomeLine,
        at moment: Date
    ) {
        let job = line.job
        var text = "refresh of \(job.outputPath) for \(line.certificate) failed (target \(job.policy.target)): \(error)."
        if let removed { text += " Removed the staple because \(removed); the server now staples nothing." }
        if let onDisk, onDisk.status.isRevoked {
            text +=
                " The revoked proof on disk stays until \(RFC3339.string(onDisk.effectiveExpiry)): the certificate is REVOKED, replace it."
        } else if let onDisk {
            text += " The staple on disk stays valid until \(RFC3339.string(onDisk.effectiveExpiry))."
        } else if removed == nil {
            text += " No valid staple is in place."
        }
        line.metadata["status"] = "failed"
        if let nextAttempt { text += " Next attempt \(RFC3339.string(nextAttempt))." }
        logger.error("\(text)", metadata: line.metadata)
        if let onDisk, RefreshSchedule.needsAttention(onDisk.facts, at: moment, timing: job.timing) {
            logger.warning(
                "\(job.outputPath): less than \(Int(job.timing.warningFraction * 100))% of the staple's validity is left and refreshing keeps failing",
                metadata: line.metadata)
        }
    }

    private func reportLockHeld(lock: String, onDisk: VerifiedStaple?, line: inout OutcomeLine) {
        let job = line.job
        var text = "another ocspd is refreshing \(job.outputPath) right now (it holds the lock \(lock)); skipping."
        if let onDisk, onDisk.status.isRevoked {
            let facts = line.facts(onDisk.facts)
            text +=
                " The certificate \(line.certificate) is REVOKED: the revoked proof in place is current, \(facts). Replace the certificate now."
            logger.critical("\(text)", metadata: line.metadata)
        } else if let onDisk {
            let facts = line.facts(onDisk.facts)
            logger.notice("\(text) The staple in place is valid (target \(job.policy.target)): \(facts)", metadata: line.metadata)
        } else {
            text +=
                " No valid staple is in place for \(line.certificate) (target \(job.policy.target)), and the lock's holder wrote none before ocspd judged it."
            text += " If no other ocspd runs, find what holds the lock with: fuser -v \(lock)"
            line.metadata["status"] = "failed"
            logger.error("\(text)", metadata: line.metadata)
        }
    }
}
