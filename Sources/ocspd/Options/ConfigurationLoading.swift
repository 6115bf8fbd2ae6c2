import ArgumentParser
import Logging
import OCSPCore

enum ConfigurationLoading {
    /// Loads the configuration, or logs every problem and exits 78 (EX_CONFIG). One message
    /// per problem: each names its file, line and key, and stays one line.
    static func load(_ path: String, logger: Logger) throws -> Configuration {
        do {
            return try ConfigurationLoader.load(path: path)
        } catch {
            logger.error("\(error.heading)")
            for problem in error.problems { logger.error("\(problem)") }
            throw ExitCode(ExitStatus.configuration)
        }
    }
}
