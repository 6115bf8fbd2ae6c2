import Foundation
import Logging

/// The daemon's cleanup after a chain left a watched folder (and a second look found it still
/// gone, `GoneChains`): under the staple's lock, the staple is removed when ocspd can prove it
/// put it there (`RemovedChainStaple`), the state is dropped, and the lock file is unlinked
/// while held. Revocation records stay; the entry's hook is not run (its chain is gone, and
/// whatever removed it deals with the server).
struct RemovedChainCleanup {
    let store: StateStore
    let logger: Logger

    func clean(_ job: RefreshJob) {
        let output = job.outputPath
        let lock: RemovableLock
        do {
            guard let acquired = try RemovableLock.acquire(for: output) else {
                logger.notice("the chain \(job.chainPath) is gone; \(output) is left as it is: another ocspd holds its lock")
                return
            }
            lock = acquired
        } catch .output(.unsafePath(.missingFolder)) {
            // The staple's folder is gone with it: nothing to remove, and no ocspd can write there.
            dropState(of: output, lock: nil)
            return
        } catch {
            logger.notice("the chain \(job.chainPath) is gone; \(output) is left as it is: \(error)")
            return
        }
        withExtendedLifetime(lock) { cleanHoldingTheLock(job, lock: lock) }
    }

    private func cleanHoldingTheLock(_ job: RefreshJob, lock: RemovableLock) {
        let output = job.outputPath
        let staple = readStaple(output)
        let state = store.load(for: output)
        let recorded = PathKey(state.outputPath) == PathKey(StateStore.absolute(output)) ? state.verified?.stapleSHA256 : nil
        let facts = RemovedChainStaple.Facts(
            target: job.policy.target, chainGone: Self.isGone(job.chainPath), stapleSHA256: staple?.sha256, recordedSHA256: recorded,
            nameIsLink: Self.isLink(output))
        var verdict = RemovedChainStaple.verdict(facts)
        if verdict == .chainBack { return }
        if verdict == .remove, let problem = remove(output, ifStill: staple?.status) {
            logger.error("the chain \(job.chainPath) is gone, but its staple \(output) could not be removed: \(problem)")
            verdict = .notOurs
        } else if verdict == .remove {
            logger.notice("the chain \(job.chainPath) is gone from its folder; removed its staple \(output)")
        } else if verdict != .nothingThere {
            logger.notice("the chain \(job.chainPath) is gone from its folder; its staple \(output) is \(verdict)")
        }
        dropState(of: output, lock: lock)
    }

    /// The staple's digest and the status of the file read, nil when nothing is there. A file
    /// that cannot be read as ocspd's own (a FIFO, too large) gets a digest no record holds.
    private func readStaple(_ output: String) -> (sha256: String, status: stat?)? {
        switch SafeFileRead.readWithStatus(output, maximum: LocalFileLimit.bytes) {
        case .failure(.missing): return nil
        case .failure: return ("unreadable", nil)
        case .success(let read): return (VerifiedRecord.digest(read.bytes), read.status)
        }
    }

    /// Unlinks the staple in its folder's descriptor, when the name still leads to the file
    /// whose bytes were judged. Nil when removed, else why not.
    private func remove(_ output: String, ifStill read: stat?) -> String? {
        guard let read, case .success(let resolved) = PathResolver.resolve(output), let now = resolved.entry,
            now.st_dev == read.st_dev, now.st_ino == read.st_ino
        else { return "it was replaced while being looked at" }
        if let code = resolved.folder.unlink(resolved.name), code != ENOENT { return SystemError(code).text }
        resolved.folder.sync()
        return nil
    }

    private func dropState(of output: String, lock: RemovableLock?) {
        let name = store.stateFileName(for: output)
        if let folder = store.stateFolder(), case .success(let status) = folder.entry(name) {
            if let problem = store.removeStateFile(named: name, in: folder, lookedAt: status) {
                logger.warning("cannot remove the state \(folder.shown(name)) of \(output): \(problem)")
            } else {
                logger.notice("dropped the state \(folder.shown(name)) of \(output)")
            }
        }
        if let lock, let problem = lock.unlinkWhileHeld() {
            logger.warning("cannot remove the lock \(lock.path) of \(output): \(problem)")
        }
    }

    /// Whether the name itself is a symbolic link (the folders on the way may be links).
    static func isLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }

    /// Nothing at the chain's name, not even a dangling link, in a folder that is there and
    /// still holds another chain. A missing folder (a share not mounted, a folder renamed away
    /// for a moment) says nothing about the chains it holds, and neither does a folder with no
    /// chain left at all: an unmounted mount point is an empty folder, so a folder that lost
    /// every chain at once keeps every staple (the last chain of a folder is never cleaned up).
    static func isGone(_ chainPath: String) -> Bool {
        var status = stat()
        guard lstat(chainPath, &status) != 0, errno == ENOENT else { return false }
        let folder = (chainPath as NSString).deletingLastPathComponent
        return holdsAChain(folder.isEmpty ? "." : folder)
    }

    /// The chain is missing from a folder that holds no chain at all: not cleaned up, and
    /// worth a warning, since it is what an unmounted share looks like.
    static func leftAnEmptyFolder(_ chainPath: String) -> Bool {
        var status = stat()
        guard lstat(chainPath, &status) != 0, errno == ENOENT else { return false }
        let folder = (chainPath as NSString).deletingLastPathComponent
        return !holdsAChain(folder.isEmpty ? "." : folder)
    }

    /// The second look: cleans up a chain still gone; leaves, with a warning, the staple of
    /// one whose folder now holds no chain.
    func lookAgain(_ job: RefreshJob) {
        if Self.isGone(job.chainPath) {
            clean(job)
        } else if Self.leftAnEmptyFolder(job.chainPath) {
            let folder = (job.chainPath as NSString).deletingLastPathComponent
            logger.warning(
                "the folder \(folder) holds no chain any more (a share not mounted?); the staple \(job.outputPath) and its state stay: remove them by hand if the chains are gone for good"
            )
        }
    }

    /// Whether `folder` can be listed and names at least one chain (`isChainName`).
    static func holdsAChain(_ folder: String) -> Bool {
        guard case .success(let names) = FolderListing.names(in: folder) else { return false }
        return names.contains(where: Configuration.DirectorySource.isChainName)
    }
}
