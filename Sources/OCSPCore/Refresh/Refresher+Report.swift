import Foundation
import Logging

extension Refresher {
    /// One line per outcome, with the facts an operator greps for (and as metadata, for
    /// `--log-format json`), at a level cron and journald treat sensibly.
    func report(_ outcome: RefreshOutcome, job: RefreshJob, leaf: LeafIdentity?, nextAttempt: Date?) -> RefreshOutcome {
        var metadata: Logger.Metadata = ["output": "\(job.outputPath)", "target": "\(job.policy.target)"]
        if let leaf {
            metadata["subject"] = "\(leaf.subject)"
            metadata["serial"] = "\(leaf.serialNumber)"
            metadata["must_staple"] = "\(leaf.mustStaple)"
        }
        if let nextAttempt { metadata["next_refresh"] = "\(RFC3339.string(nextAttempt))" }
        let certificate = leaf.map { "\($0.subject) (serial \($0.serialNumber)\($0.mustStaple ? ", Must-Staple" : ""))" } ?? job.chainPath
        let next = nextAttempt.map { "; next refresh \(RFC3339.string($0))" } ?? ""
        func facts(_ staple: StapleFacts) -> String {
            metadata["status"] = "\(staple.status.name)"
            metadata["effective_expiry"] = "\(RFC3339.string(staple.effectiveExpiry))"
            return "status \(staple.status.name), effective expiry \(RFC3339.string(staple.effectiveExpiry))"
        }
        switch outcome {
        case .stapled(let staple, let responder):
            metadata["responder"] = "\(responder)"
            logger.info(
                "wrote \(job.outputPath) for \(certificate) from \(responder) (target \(job.policy.target)): \(facts(staple.facts))\(next)",
                metadata: metadata)
        case .unchanged(let staple, _) where staple.status.isRevoked:
            logger.critical(
                "certificate \(certificate) is REVOKED; the revoked proof in \(job.outputPath) is current: \(facts(staple)). Replace the certificate now.",
                metadata: metadata)
        case .unchanged(let staple, let reason):
            let why: String
            switch reason {
            case .fresh: why = "is fresh, nothing fetched"
            case .identical: why = "unchanged: the responder sent the same proof again"
            case .newerOnDisk: why = "kept: the responder sent an older proof than the one in place"
            }
            logger.info(
                "\(job.outputPath) for \(certificate) \(why) (target \(job.policy.target)): \(facts(staple))\(next)", metadata: metadata)
            if RefreshSchedule.needsAttention(staple, at: now(), timing: job.timing) {
                logger.warning(
                    "\(job.outputPath): less than \(Int(job.timing.warningFraction * 100))% of the proof's validity is left",
                    metadata: metadata)
            }
        case .revoked(let staple, let written, let removed):
            var line = "certificate \(certificate) is REVOKED"
            if case .revoked(let time, let reason)? = staple?.status {
                line += " since \(RFC3339.string(time))" + (reason.map { " (\($0))" } ?? "")
            }
            line += written ? "; the revoked proof is in \(job.outputPath)" : "; the revoked proof is not in \(job.outputPath)"
            if removed { line += " (the good staple was removed)" }
            metadata["status"] = "revoked"
            logger.critical("\(line) (target \(job.policy.target)). Replace the certificate now.", metadata: metadata)
        case .failed(let error, let onDisk, let removed):
            var line = "refresh of \(job.outputPath) for \(certificate) failed (target \(job.policy.target)): \(error)."
            if let removed { line += " Removed the staple because \(removed); the server now staples nothing." }
            if let onDisk, onDisk.status.isRevoked {
                line +=
                    " The revoked proof on disk stays until \(RFC3339.string(onDisk.effectiveExpiry)): the certificate is REVOKED, replace it."
            } else if let onDisk {
                line += " The staple on disk stays valid until \(RFC3339.string(onDisk.effectiveExpiry))."
            } else if removed == nil {
                line += " No valid staple is in place."
            }
            metadata["status"] = "failed"
            if let nextAttempt { line += " Next attempt \(RFC3339.string(nextAttempt))." }
            logger.error("\(line)", metadata: metadata)
            if let onDisk, RefreshSchedule.needsAttention(onDisk.facts, at: now(), timing: job.timing) {
                logger.warning(
                    "\(job.outputPath): less than \(Int(job.timing.warningFraction * 100))% of the staple's validity is left and refreshing keeps failing",
                    metadata: metadata)
            }
        case .lockHeld(let lock, let onDisk):
            var line = "another ocspd is refreshing \(job.outputPath) right now (it holds the lock \(lock)); skipping."
            if let onDisk, onDisk.status.isRevoked {
                line +=
                    " The certificate \(certificate) is REVOKED: the revoked proof in place is current, \(facts(onDisk.facts)). Replace the certificate now."
                logger.critical("\(line)", metadata: metadata)
            } else if let onDisk {
                logger.notice(
                    "\(line) The staple in place is valid (target \(job.policy.target)): \(facts(onDisk.facts))", metadata: metadata)
            } else {
                line +=
                    " No valid staple is in place for \(certificate) (target \(job.policy.target)), and the lock's holder wrote none before ocspd judged it."
                line += " If no other ocspd runs, find what holds the lock with: fuser -v \(lock)"
                metadata["status"] = "failed"
                logger.error("\(line)", metadata: metadata)
            }
        case .nothingToStaple, .busy:
            break
        }
        return outcome
    }
}
