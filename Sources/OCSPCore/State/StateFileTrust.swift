import Foundation

/// When a state file may be believed for decisions: its verified record (the lock-free fast
/// path, `check`, the metrics file), its list of revoked certificates and its request and
/// failure counts (published as root's in the metrics file).
///
/// The state folder may be writable by someone root does not trust (the default
/// /var/lib/ocspd belongs to the `ocspd` user, and a root cron job uses it too). A file that
/// user wrote could claim a proof is verified until 2031 or a good certificate is revoked.
/// So only a file owned by root or by the user ocspd runs as, with no second name (a hard
/// link another user made to a file of ours), is believed. Judged on the descriptor the bytes
/// were read from. What a distrusted file is still used for is bounded elsewhere (`StoredPlan`
/// caps its plans; a cached issuer must still sign the leaf).
enum StateFileTrust {
    /// The user ocspd runs as: nothing in ocspd changes it, so it is asked once, not once
    /// per state file read.
    static let processUser = ProcessUser.effective

    static func believable(_ status: stat, runningAs user: uid_t = processUser) -> Bool {
        status.st_mode & S_IFMT == S_IFREG && status.st_nlink == 1 && (status.st_uid == 0 || status.st_uid == user)
    }
}

extension StapleState {
    /// What may still be used from a state file that is not believed: its plans (capped by
    /// `StoredPlan`), never its claims. Its counts are claims too: kept, they would be
    /// published, and saved again under ocspd's own name.
    mutating func forgetClaims() {
        verified = nil
        revokedCertificates = []
        requests = [:]
        failures = [:]
    }
}
