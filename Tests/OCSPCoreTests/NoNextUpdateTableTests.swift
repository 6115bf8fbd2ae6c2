import Foundation
import Testing

@testable import OCSPCore

/// The pure rules for proofs without nextUpdate, on synthetic facts: which targets serve them,
/// how the assumed validity schedules them, and how `assume-validity` is checked.
@Suite struct NoNextUpdateTableTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    /// A good proof made `age` ago without nextUpdate, taken to be valid for `assumed`.
    static func proof(
        age: TimeInterval = hour, assumed: TimeInterval = 12 * hour, singleResponseCount: Int = 1, hash: String = "sha1",
        status: CertStatus = .good
    ) -> StapleFacts {
        let thisUpdate = now.addingTimeInterval(-age)
        return StapleFacts(
            status: status, thisUpdate: thisUpdate, nextUpdate: nil, effectiveExpiry: thisUpdate.addingTimeInterval(assumed),
            expiryLimit: .assumedValidity, singleIndex: 0, singleResponseCount: singleResponseCount, certIDHashAlgorithm: hash,
            assumedValidity: assumed)
    }

    struct RefusalRow: Sendable, CustomTestStringConvertible {
        let rule: String
        let target: Target
        var proof: StapleFacts = NoNextUpdateTableTests.proof()
        let expected: TargetRefusal?
        var testDescription: String { rule }
    }

    static let refusalRows: [RefusalRow] = [
        RefusalRow(rule: "exim serves a proof without nextUpdate (measured: Exim staples it)", target: .exim, expected: nil),
        RefusalRow(rule: "nginx serves a proof without nextUpdate (measured: nginx staples it)", target: .nginx, expected: nil),
        RefusalRow(rule: "generic serves a proof without nextUpdate", target: .generic, expected: nil),
        RefusalRow(rule: "haproxy refuses a proof without nextUpdate (HAProxy ignores it)", target: .haproxy, expected: .nextUpdateMissing),
        RefusalRow(
            rule: "haproxy names more than one SingleResponse first", target: .haproxy, proof: proof(singleResponseCount: 2),
            expected: .multipleSingleResponses(2)),
        RefusalRow(
            rule: "haproxy refuses a revoked proof without nextUpdate too", target: .haproxy, proof: proof(status: P.revoked),
            expected: .nextUpdateMissing),
        RefusalRow(
            rule: "exim's expiry margin counts from the assumed end", target: .exim, proof: proof(age: 12 * hour - 300),
            expected: .tooLittleTimeLeft(seconds: 300, minimum: 300)),
        RefusalRow(
            rule: "exim serves it just outside the margin of the assumed end", target: .exim, proof: proof(age: 12 * hour - 301),
            expected: nil),
    ]

    typealias P = SyntheticProof

    @Test(arguments: refusalRows)
    func whatEachTargetDoesWithAProofWithoutNextUpdate(row: RefusalRow) {
        #expect(TargetPolicy(target: row.target).refusal(of: row.proof, at: Self.now) == row.expected)
    }

    @Test func theRefusalSaysWhatHAProxyDoesWithSuchAStaple() {
        let text = TargetRefusal.nextUpdateMissing.description
        #expect(text.contains("no nextUpdate"))
        #expect(text.contains("HAProxy ignores such a staple"))
        #expect(text.contains("missing nextupdate. Content will be ignored."))
    }

    @Test func eximRemovesAProofWithoutNextUpdateInsideTheMarginOfTheAssumedEnd() {
        let late = ProofFacts(Self.proof(age: 12 * Self.hour - 120), producedAt: Self.now)
        #expect(
            TargetPolicy(target: .exim).removalReason(for: .valid(late), at: Self.now)
                == .refused(.tooLittleTimeLeft(seconds: 120, minimum: 300)))
        #expect(TargetPolicy(target: .nginx).removalReason(for: .valid(late), at: Self.now) == nil)
        // HAProxy ignores such a file; one left by someone else is not ocspd's to remove.
        #expect(TargetPolicy(target: .haproxy).removalReason(for: .valid(late), at: Self.now) == nil)
    }

    @Test func theScheduleRunsOnTheAssumedValidity() {
        var middle = FixedRandom(value: UInt64.max / 2)
        let proof = Self.proof(age: 0, assumed: 12 * Self.hour)
        let next = RefreshSchedule.nextRefresh(after: proof, lastSuccess: Self.now, timing: Timing(), random: &middle)
        #expect(abs(next.timeIntervalSince(Self.now) - 6 * Self.hour) < 1)
        #expect(RefreshSchedule.deadline(proof, timing: Timing()) == Self.now.addingTimeInterval(12 * Self.hour - 1.2 * Self.hour))
    }

    struct AssumeValidityRow: Sendable, CustomTestStringConvertible {
        let rule: String
        let assumed: TimeInterval
        let deadlineMinimum: TimeInterval
        let acceptable: Bool
        var testDescription: String { rule }
    }

    static let assumeValidityRows: [AssumeValidityRow] = [
        AssumeValidityRow(rule: "the defaults (12h, deadline-min 1h) agree", assumed: 12 * hour, deadlineMinimum: hour, acceptable: true),
        AssumeValidityRow(rule: "exactly twice deadline-min is enough", assumed: 2 * hour, deadlineMinimum: hour, acceptable: true),
        AssumeValidityRow(rule: "a second less is not", assumed: 2 * hour - 1, deadlineMinimum: hour, acceptable: false),
        AssumeValidityRow(rule: "a larger deadline-min needs more", assumed: 12 * hour, deadlineMinimum: 7 * hour, acceptable: false),
    ]

    @Test(arguments: assumeValidityRows)
    func assumeValidityIsAtLeastTwiceDeadlineMin(row: AssumeValidityRow) {
        var timing = Timing()
        timing.assumedValidity = row.assumed
        timing.deadlineMinimum = row.deadlineMinimum
        #expect((timing.assumedValidityProblem == nil) == row.acceptable)
    }

    @Test func theProblemNamesBothKeysAndTheLeastThatWorks() {
        var timing = Timing()
        timing.assumedValidity = 90 * 60
        #expect(
            timing.assumedValidityProblem
                == "assume-validity 90m is less than twice deadline-min 1h; make it at least 2h")
    }

    @Test(arguments: [(TimeInterval(43200), "12h"), (172_800, "2d"), (5400, "90m"), (45, "45s"), (3601, "3601s")])
    func durationsAreShownAsOperatorsWriteThem(seconds: TimeInterval, text: String) {
        #expect(DurationText.describe(seconds) == text)
        #expect(DurationText.parse(text) == seconds)
    }
}

/// `assume-validity` in the configuration: in `defaults:` and per entry, checked by
/// `--check-config` against the merged deadline-min, reported once where it is set.
@Suite struct AssumeValidityConfigurationTests {
    let folder: String
    let chain: String

    init() throws {
        folder = try TestPKI.scratchFolder("assume-validity")
        let pki = try TestPKI.get()
        chain = try pki.chainFile(for: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"]), in: folder)
    }

    private func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.parse(text, path: "\(folder)/ocspd.yaml")
    }

    private func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.problems.map { "\($0.keyPath)@\($0.line ?? 0): \($0.message)" }
        }
    }

    @Test func theDefaultIsTwelveHoursAndDefaultsAndEntriesSetIt() throws {
        let configuration = try parse(
            """
            defaults:
              assume-validity: 6h
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
              - chain: \(chain)
                output: \(folder)/b.der
                assume-validity: 2d
            """)
        #expect(configuration.staples[0].timing.assumedValidity == 6 * 3600)
        #expect(configuration.staples[1].timing.assumedValidity == 2 * 86400)
        #expect(Timing().assumedValidity == 12 * 3600)
    }

    @Test func lessThanTwiceDeadlineMinIsAProblemAtTheKeyThatSetsIt() {
        let found = problems(
            """
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                assume-validity: 90m
            """)
        #expect(found == ["staples[0].assume-validity@4: assume-validity 90m is less than twice deadline-min 1h; make it at least 2h"])
    }

    @Test func aDeadlineMinInDefaultsThatLeavesTheDefaultTooShortIsReportedOnceThere() {
        let found = problems(
            """
            defaults:
              deadline-min: 8h
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
              - chain: \(chain)
                output: \(folder)/b.der
            """)
        #expect(found == ["defaults.deadline-min@2: assume-validity 12h is less than twice deadline-min 8h; make it at least 16h"])
    }

    @Test func anEntryRaisingAssumeValidityFixesItForThatEntry() throws {
        let configuration = try parse(
            """
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                deadline-min: 8h
                assume-validity: 16h
            """)
        #expect(configuration.staples[0].timing.assumedValidity == 16 * 3600)
    }

    @Test func aMalformedDurationIsAProblem() {
        let found = problems(
            """
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                assume-validity: soon
            """)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("staples[0].assume-validity@4") == true, "\(found)")
    }

    /// `inf` and `1e300d` parse as numbers; a duration that large trapped when shown
    /// (`DurationText.describe`) and would put a staple's expiry beyond any date.
    @Test(arguments: ["inf", "infinity", "1e300d", "1e20"])
    func anEndlessOrAbsurdAssumeValidityIsAProblemNotACrash(text: String) {
        let found = problems(
            """
            staples:
              - chain: \(chain)
                output: \(folder)/a.der
                target: nginx
                assume-validity: \(text)
            """)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("staples[0].assume-validity@5") == true, "\(found)")
    }
}

/// Exim stops stapling a proof without nextUpdate 15 days after its thisUpdate (measured with
/// the real Exim: EximEndToEndTests), so target exim takes no longer assumption.
@Suite struct EximAssumeValidityLimitTests {
    static let day: TimeInterval = 86400
    static let rows: [(Target, TimeInterval, Bool)] = [
        (.exim, 15 * day, true), (.exim, 15 * day + 1, false), (.nginx, 30 * day, true), (.generic, 30 * day, true),
        (.haproxy, 30 * day, true),
    ]

    @Test(arguments: rows)
    func eximTakesAtMostFifteenDays(target: Target, assumed: TimeInterval, acceptable: Bool) {
        #expect((target.assumedValidityProblem(assumed) == nil) == acceptable)
    }

    @Test func anEximEntryAssumingLongerIsAProblemWhereTheKeyIsSet() throws {
        let folder = try TestPKI.scratchFolder("assume-validity-exim")
        let pki = try TestPKI.get()
        let chain = try pki.chainFile(for: pki.issueLeaf(ocspURLs: ["http://127.0.0.1:1"]), in: folder)
        do {
            _ = try ConfigurationLoader.parse(
                """
                defaults:
                  assume-validity: 20d
                staples:
                  - chain: \(chain)
                    output: \(folder)/a.der
                    target: nginx
                  - chain: \(chain)
                    output: \(folder)/b.der
                    target: exim
                """, path: "\(folder)/ocspd.yaml")
            Issue.record("expected a problem")
        } catch {
            let found = error.problems.map { "\($0.keyPath)@\($0.line ?? 0)" }
            // The defaults' target is exim too: reported there, and at the exim entry's target.
            #expect(found == ["defaults.assume-validity@2", "staples[1].target@9"])
            #expect(error.problems.first?.message.contains("Exim (GnuTLS)") == true)
        }
    }
}
