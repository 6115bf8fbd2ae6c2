import ArgumentParser
import Foundation
import OCSPCore

extension OCSPD {
    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch, verify and write the OCSP staple for one certificate, or (--config) for every configured staple that is due.",
            discussion: """
                Exit codes:
                  0  a valid staple is in place (also: fresh, so nothing was fetched;
                     or another ocspd is refreshing it right now)
                  1  refresh failed, but the staple on disk is still valid
                  2  refresh failed and no valid staple is in place
                  3  the certificate is revoked (the revoked proof is written, except
                     for --target exim, which removes the staple instead)
                  4  the certificate names no OCSP responder: nothing to staple
                  64 usage error
                  78 configuration error (--config)
                With --config, the worst outcome counts, in the order 3 > 2 > 1 > 4 > 0.
                """
        )

        @Option(
            help: ArgumentHelp(
                "The server's certificate chain, PEM (leaf first) or DER. Private keys in it are skipped.", valueName: "chain"))
        var chain: String?

        @Option(
            help: ArgumentHelp(
                "Where to write the DER staple (Exim tls_ocsp_file, nginx ssl_stapling_file, HAProxy cert.pem.ocsp).", valueName: "staple"))
        var output: String?

        @Option(
            help: ArgumentHelp(
                "Refresh every staple this configuration lists that is due (the one-shot form of `ocspd run`, for cron).", valueName: "file"
            ))
        var config: String?

        @Option(help: ArgumentHelp("The issuer certificate, when the chain does not hold it.", valueName: "file"))
        var issuer: String?

        @Option(help: ArgumentHelp("Ask this responder instead of the certificate's AIA OCSP URLs.", valueName: "url"))
        var responder: String?

        @Option(
            name: .customLong("responder-cert"),
            help: ArgumentHelp(
                "A delegated responder certificate the responder leaves out of its answers; it is checked like any other.",
                valueName: "file"))
        var responderCert: String?

        @Flag(help: "Send a random nonce and refuse an answer echoing a different one.")
        var nonce = false

        @Flag(help: "Fetch even when the staple on disk is fresh (after a certificate renewal, from a deploy hook).")
        var force = false

        @Flag(
            name: .customLong("refuse-private-addresses"),
            help: "Never connect to loopback, private or link-local addresses (for certificates your customers supply).")
        var refusePrivateAddresses = false

        @Option(
            name: .customLong("state-dir"),
            help: ArgumentHelp(
                "Where ocspd keeps per-staple state and locks; never the staple's own folder (default /var/lib/ocspd, or the configuration's state-dir).",
                valueName: "dir"))
        var stateDir: String?

        @Option(
            name: .customLong("assume-validity"),
            help: ArgumentHelp(
                "How long a proof without nextUpdate counts as valid after its thisUpdate, as the configuration's assume-validity (default 12h; at most 15d for --target exim).",
                valueName: "duration"))
        var assumeValidity: String?

        @OptionGroup var target: TargetOptions

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if config != nil {
                guard chain == nil, output == nil, issuer == nil, responder == nil, responderCert == nil else {
                    throw ValidationError(
                        "--config takes every setting from the file; drop --chain, --output, --issuer, --responder and --responder-cert.")
                }
            } else if chain == nil || output == nil {
                throw ValidationError("Give --chain and --output for one staple, or --config for every configured staple.")
            }
            if config != nil, assumeValidity != nil {
                throw ValidationError("--config takes assume-validity from the file; drop --assume-validity.")
            }
            if let problem = assumedValidityProblem() { throw ValidationError(problem) }
            if let responder, !FetchableURL.isAllowed(responder) {
                throw ValidationError("--responder must be an http:// or https:// URL, not '\(DisplayText.line(responder))'.")
            }
        }

        /// What is wrong with --assume-validity for this target, or nil.
        private func assumedValidityProblem() -> String? {
            guard let assumeValidity else { return nil }
            guard let seconds = DurationText.parse(assumeValidity), seconds > 0 else {
                return "--assume-validity '\(DisplayText.line(assumeValidity))' is not a positive duration such as 12h, 90m or 2d."
            }
            var timing = Timing()
            timing.assumedValidity = seconds
            return (timing.assumedValidityProblem ?? target.policy.target.assumedValidityProblem(seconds)).map { "--\($0)" }
        }

        func run() throws {
            Process.ignoreFileSizeSignal()
            let logger = logging.makeLogger()
            if let config {
                let configuration = try ConfigurationLoading.load(config, logger: logger, keepingChainDigests: true)
                let transport = CurlTransport(refusePrivateAddresses: refusePrivateAddresses || configuration.refusePrivateAddresses)
                var refresher = Refresher(
                    transport: transport, stateStore: StateStore(directory: stateDir ?? configuration.stateDirectory), logger: logger)
                // One run right after the load: the chains it read need not be read again.
                refresher.chainDigestsAtLoad = configuration.chainDigestsAtLoad
                // Expanded once, by the load, for the round, the collection, the sweep and the metrics.
                let expansion = configuration.expansionAtLoad()
                let exitCode = BesideWork.run {
                    BatchRefresh.run(
                        configuration, expansion: expansion, refresher: refresher, force: force, expiryMargin: target.explicitMargin)
                } beside: { [refresher] in
                    // Each run, as the daemon at start: a listing, and a stat per state file not
                    // configured. Only outputs no longer configured are touched: beside the round.
                    let configured = refresher.stateStore.configured(expansion.jobs)
                    StateCollector(store: refresher.stateStore, forgetAfter: configuration.forgetAfter, logger: logger)
                        .collect(configured: configured, at: Date())
                    GoneChainSweep.cleanUp(configuration, store: refresher.stateStore, logger: logger, configured: configured)
                }
                if let metricsFile = logging.metricsFile {
                    MetricsWriting.write(expansion.jobs, store: refresher.stateStore, to: metricsFile, logger: logger)
                }
                throw ExitCode(exitCode)
            }
            guard let chain, let output else { throw ExitCode(ExitStatus.usage) }
            var timing = Timing()
            if let assumed = assumeValidity.flatMap(DurationText.parse) { timing.assumedValidity = assumed }
            let job = RefreshJob(
                chainPath: chain, outputPath: output, issuerPath: issuer, responderURL: responder,
                responderCertificatePath: responderCert, nonce: nonce, policy: target.policy, force: force, timing: timing)
            let transport = CurlTransport(refusePrivateAddresses: refusePrivateAddresses)
            let refresher = Refresher(
                transport: transport, stateStore: StateStore(directory: stateDir ?? StateStore.defaultDirectory), logger: logger)
            let outcome = refresher.refresh(job)
            if let metricsFile = logging.metricsFile {
                MetricsWriting.write([job], store: refresher.stateStore, to: metricsFile, logger: logger)
            }
            throw ExitCode(outcome.exitCode)
        }
    }
}

extension Process {
    /// A file-size limit (ulimit -f) must surface as a write error the operator can read,
    /// not as a kill by SIGXFSZ with a half-written temp file.
    static func ignoreFileSizeSignal() {
        signal(SIGXFSZ, SIG_IGN)
    }
}
