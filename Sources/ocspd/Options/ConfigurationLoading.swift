import ArgumentParser
import Logging
import OCSPCore

enum ConfigurationLoading {
    /// Loads the configuration, or logs every problem (one message each: each names its file,
    /// line and key, and stays one line) and exits 78 (EX_CONFIG). A missing or unreadable
    /// file an entry names is that entry's failure, logged here, unless `strict`
    /// (`--check-config`), which refuses it too.
    /// `keepingChainDigests`: see `ConfigurationLoader.load`.
    static func load(_ path: String, logger: Logger, strict: Bool = false, keepingChainDigests: Bool = false) throws -> Configuration {
        let configuration: Configuration
        do {
            configuration = try ConfigurationLoader.load(path: path, keepingChainDigests: keepingChainDigests)
        } catch {
            logger.error("\(error.heading)")
            for problem in error.problems { logger.error("\(problem)") }
            throw ExitCode(ExitStatus.configuration)
        }
        if strict, !configuration.fileProblems.isEmpty {
            let error = ConfigurationError(problems: configuration.fileProblems)
            logger.error("\(error.heading)")
            for problem in error.problems { logger.error("\(problem)") }
            throw ExitCode(ExitStatus.configuration)
        }
        for problem in configuration.fileProblems {
            logger.warning("\(problem); this entry fails until it is fixed, the others proceed")
        }
        return configuration
    }
}
