import Foundation
import Testing

@testable import OCSPCore

/// The pure rules of the cleanup, on synthetic facts: which state files are forgotten, and
/// whether the staple of a chain gone from a watched folder may be removed.
@Suite struct CleanupTableTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let week = StateCollection.defaultForgetAfter
    static let configured = StateCollection.Configured(
        stateNames: ["mail.pem.ocsp-0011223344556677.json"], outputs: [PathKey("/etc/exim4/mail.pem.ocsp")])

    struct StateRow: Sendable, CustomTestStringConvertible {
        let name: String
        let output: String?
        let age: TimeInterval
        let expected: StateCollection.Verdict
        let why: String
        var testDescription: String { why }
    }

    static let stateRows: [StateRow] = [
        .init(name: "mail.pem.ocsp-0011223344556677.json", output: nil, age: 30 * 86_400, expected: .configured, why: "configured by name"),
        .init(
            name: "mail.pem.ocsp-ffffffffffffffff.json", output: "/etc/exim4/mail.pem.ocsp", age: 30 * 86_400, expected: .configured,
            why: "configured by the output it records (a key made by other rules)"),
        .init(
            name: "old.pem.ocsp-0123456789abcdef.json", output: "/srv/old.pem.ocsp", age: week, expected: .abandoned,
            why: "untouched for exactly forget-after"),
        .init(
            name: "old.pem.ocsp-0123456789abcdef.json", output: nil, age: 30 * 86_400, expected: .abandoned, why: "untouched for a month"),
        .init(
            name: "new.pem.ocsp-0123456789abcdef.json", output: nil, age: week - 1, expected: .recent(forgetOn: now.addingTimeInterval(1)),
            why: "written a second too recently (another host keeps it alive)"),
        .init(
            name: "ahead.pem.ocsp-0123456789abcdef.json", output: nil, age: -3600,
            expected: .recent(forgetOn: now.addingTimeInterval(week + 3600)),
            why: "written under a clock ahead of ours"),
        .init(
            name: "revoked-00aa-01", output: nil, age: 365 * 86_400, expected: .notStateFile, why: "a revocation record is never collected"),
        .init(name: "metrics-counters.ledger", output: nil, age: 365 * 86_400, expected: .notStateFile, why: "the counter ledger"),
        .init(name: "metrics-counters.lock", output: nil, age: 365 * 86_400, expected: .notStateFile, why: "the counter lock"),
        .init(
            name: "x.json\(AtomicFileWriter.temporaryMarker)1234", output: nil, age: 365 * 86_400, expected: .notStateFile,
            why: "a temp file"),
        .init(
            name: ".hidden.json", output: nil, age: 365 * 86_400, expected: .notStateFile, why: "a dot file ocspd never names a state so"),
    ]

    @Test(arguments: stateRows) func stateFilesAreForgottenOnlyWhenUnconfiguredAndUntouchedForForgetAfter(_ row: StateRow) {
        let verdict = StateCollection.verdict(
            name: row.name, output: row.output, modified: Self.now.addingTimeInterval(-row.age), configured: Self.configured,
            at: Self.now, forgetAfter: Self.week)
        #expect(verdict == row.expected, "\(row.why)")
    }

    struct StapleRow: Sendable, CustomTestStringConvertible {
        let facts: RemovedChainStaple.Facts
        let expected: RemovedChainStaple.Verdict
        let why: String
        var testDescription: String { why }
    }

    static let stapleRows: [StapleRow] = [
        .init(
            facts: .init(target: .exim, chainGone: true, stapleSHA256: "aa", recordedSHA256: "aa"), expected: .remove,
            why: "exim, our bytes"),
        .init(
            facts: .init(target: .haproxy, chainGone: true, stapleSHA256: "aa", recordedSHA256: "aa"), expected: .remove,
            why: "haproxy, our bytes"),
        .init(
            facts: .init(target: .nginx, chainGone: true, stapleSHA256: "aa", recordedSHA256: "aa"), expected: .targetNeverRemoves(.nginx),
            why: "nginx never removes"),
        .init(
            facts: .init(target: .generic, chainGone: true, stapleSHA256: "aa", recordedSHA256: "aa"),
            expected: .targetNeverRemoves(.generic), why: "generic removes nothing"),
        .init(
            facts: .init(target: .exim, chainGone: true, stapleSHA256: "bb", recordedSHA256: "aa"), expected: .notOurs,
            why: "an operator's file written since"),
        .init(
            facts: .init(target: .exim, chainGone: true, stapleSHA256: "aa", recordedSHA256: nil), expected: .noRecord,
            why: "no record (no state, a revoked proof, a state file someone else wrote)"),
        .init(
            facts: .init(target: .exim, chainGone: false, stapleSHA256: "aa", recordedSHA256: "aa"), expected: .chainBack,
            why: "the chain is back by the second look"),
        .init(
            facts: .init(target: .exim, chainGone: true, stapleSHA256: nil, recordedSHA256: "aa"), expected: .nothingThere,
            why: "no staple there"),
        .init(
            facts: .init(target: .exim, chainGone: true, stapleSHA256: "aa", recordedSHA256: "aa", nameIsLink: true),
            expected: .nameIsLink, why: "our bytes, but through the operator's link"),
    ]

    @Test(arguments: stapleRows) func aGoneChainsStapleIsRemovedOnlyWhenOcspdsRecordProvesItsBytes(_ row: StapleRow) {
        #expect(RemovedChainStaple.verdict(row.facts) == row.expected, "\(row.why)")
    }

    @Test func aChainMaintainedAgainBeforeItsSecondLookIsForgottenNotCleanedUp() {
        var gone = GoneChains()
        let job = RefreshJob(chainPath: "/crt/a.pem", outputPath: "/crt/a.pem.ocsp")
        gone.add(job, at: Self.now)
        #expect(gone.due(at: Self.now.addingTimeInterval(1), outputs: []).isEmpty)
        #expect(gone.nextLook == Self.now.addingTimeInterval(GoneChains.secondLookDelay))
        #expect(gone.due(at: Self.now.addingTimeInterval(60), outputs: [PathKey("/crt/a.pem.ocsp")]).isEmpty)
        #expect(gone.nextLook == nil)
    }

    @Test func aChainStillGoneAtItsSecondLookIsDue() {
        var gone = GoneChains()
        let job = RefreshJob(chainPath: "/crt/a.pem", outputPath: "/crt/a.pem.ocsp")
        gone.add(job, at: Self.now)
        #expect(gone.due(at: Self.now.addingTimeInterval(GoneChains.secondLookDelay), outputs: []) == [job])
        #expect(gone.nextLook == nil)
    }
    @Test func aRememberedOutputIsTheStaplePlaceOfAChainNameInAConfiguredFolderOnlyByItsExactPlace() {
        let template = RefreshJob(chainPath: "", outputPath: "", policy: TargetPolicy(target: .haproxy))
        let folders = [
            Configuration.DirectorySource(path: "/crt", outputDirectory: nil, template: template),
            Configuration.DirectorySource(path: "/exim/certs", outputDirectory: "/exim/staples", template: template),
        ]
        let beside = GoneChainSweep.job(forOutput: "/crt/site.pem.ocsp", directories: folders)
        #expect(beside?.chainPath == "/crt/site.pem")
        #expect(beside?.policy.target == .haproxy)
        #expect(GoneChainSweep.job(forOutput: "/exim/staples/mail.crt.ocsp", directories: folders)?.chainPath == "/exim/certs/mail.crt")
        for notOne in [
            "/crt/site.der", "/crt/site.txt.ocsp", "/crt/.site.pem.ocsp", "/elsewhere/site.pem.ocsp", "/exim/certs/mail.crt.ocsp",
        ] {
            #expect(GoneChainSweep.job(forOutput: notOne, directories: folders) == nil, "\(notOne)")
        }
    }
}
