import Foundation
import Logging

public enum MetricsWriting {
    /// Assesses `jobs` from disk and writes the metrics file; a failure is logged, never fatal.
    public static func write(_ jobs: [RefreshJob], store: StateStore, to path: String, logger: Logger, at moment: Date = Date()) {
        let staples = jobs.sorted { $0.outputPath < $1.outputPath }.map {
            StapleHealth.assess($0, store: store, at: moment, warning: 0, critical: 0)
        }
        do {
            try MetricsFile.write(staples, to: path)
        } catch {
            logger.warning("could not write the metrics file: \(error)")
        }
    }
}
