import Foundation

/// One round of refreshes in which outputs of one certificate fetch once (`SharedFetchRound`):
/// the due outputs first, asking their responders as needed; then the siblings of those that
/// asked (`FetchSiblingKey`), not due or found fresh, are offered what was fetched, so that
/// the whole group stays on the schedule of its earliest member and the next round again
/// needs one request.
public enum SharedRound {
    /// The outputs of `due`, then of the siblings offered an answer, in the order of `due`
    /// followed by those siblings (`offeredFrom` lists the candidates: every configured job;
    /// `learned`, the certificates of outputs as earlier rounds found them, lets outputs of
    /// one certificate in different chain files be offered too).
    public static func run<Output: Sendable>(
        _ due: [RefreshJob], offeredFrom candidates: [RefreshJob]? = nil, learned: [PathKey: String] = [:],
        round: SharedFetchRound = SharedFetchRound(), pool: RefreshPool, refresher: Refresher,
        cancellation: CancellationFlag? = nil, summarize: @escaping @Sendable (RefreshJob, Refreshed) -> Output
    ) -> [(job: RefreshJob, output: Output)] {
        let waits = LockWaitBudget()
        let first = pool.run(due, refresher: refresher, cancellation: cancellation, waits: waits, round: round, summarize: summarize)
        var results = Array(zip(due, first)).map { (job: $0.0, output: $0.1) }
        guard !round.hasNoResponse, cancellation?.isCancelled != true else { return results }
        let offered = FetchSiblingKey.offered(
            candidates ?? due, fetched: round.fetchedSiblings, served: round.servedOutputs, learned: learned,
            certificatesFetched: round.certificatesWithAResponse)
        guard !offered.isEmpty else { return results }
        let second = pool.offer(offered, refresher: refresher, round: round, cancellation: cancellation, waits: waits, summarize: summarize)
        var positions: [PathKey: Int] = [:]
        for (index, result) in results.enumerated() { positions[PathKey(result.job.outputPath)] = index }
        for (job, output) in zip(offered, second) {
            guard let output else { continue }
            if let index = positions[PathKey(job.outputPath)] {
                results[index].output = output
            } else {
                results.append((job, output))
            }
        }
        return results
    }
}
