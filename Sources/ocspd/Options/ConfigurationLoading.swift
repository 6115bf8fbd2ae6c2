import ArgumentParser
import Logging
import OCSPCore

enum ConfigurationLoading {
    /// Loads the configuration, or logs every problem and exits 78 (EX_CONFIG).
    static func load(_ path: String, logger: Logger) throws -> Configuration {
        do {
            return try ConfigurationLoader.load(path: path)
        } catch {
            logger.error("\(error)")
            throw ExitCode(ExitStatus.configuration)
        }
    }
}
