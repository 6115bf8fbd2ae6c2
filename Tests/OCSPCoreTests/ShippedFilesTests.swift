import Foundation
import Testing

@testable import OCSPCore

/// The integration files the project ships: systemd units, the cron entry, the example configuration.
@Suite struct ShippedFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    // In CI (scripts/test.sh installs systemd) it always runs: a missing tool fails there.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
                || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs systemd-analyze (Debian's systemd); scripts/test.sh installs it"))
    func systemdUnitsPassSystemdAnalyzeVerify() throws {
        let folder = try TestPKI.scratchFolder("units")
        let units = try FileManager.default.contentsOfDirectory(atPath: "\(Self.repository)/systemd").sorted()
        #expect(units.contains("ocspd.service") && units.contains("ocspd-refresh.timer"))
        for unit in units {
            // verify insists that ExecStart binaries exist: point them at the built one.
            let text = try String(contentsOfFile: "\(Self.repository)/systemd/\(unit)", encoding: .utf8)
                .replacingOccurrences(of: "/usr/bin/ocspd", with: OCSPDBinary.path)
                .replacingOccurrences(of: "/usr/sbin/nginx", with: "/bin/true")
            try text.write(toFile: "\(folder)/\(unit)", atomically: true, encoding: .utf8)
        }
        let result = try Command.run("/usr/bin/systemd-analyze", ["verify", "--man=no"] + units.map { "\(folder)/\($0)" })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func cronEntryRunsTheOneShotFormEvery15MinutesWithALargerMargin() throws {
        let text = try String(contentsOfFile: "\(Self.repository)/cron/ocspd", encoding: .utf8)
        let entry = try #require(text.split(separator: "\n").first { !$0.hasPrefix("#") && $0.hasPrefix("*/15") })
        let fields = entry.split(separator: " ")
        #expect(fields.count > 7)
        #expect(fields[5] == "ocspd" && fields[6] == "/usr/bin/ocspd" && fields[7] == "refresh")
        let margin = try #require(fields.firstIndex(of: "--expiry-margin").map { DurationText.parse(String(fields[$0 + 1])) } ?? nil)
        #expect(margin > 15 * 60)
        #expect(entry.contains("--config") && entry.contains("--quiet"))
    }

    @Test func exampleConfigurationHasOnlyMissingFilesOnThisMachine() {
        do {
            _ = try ConfigurationLoader.load(path: "\(Self.repository)/examples/ocspd.yaml")
        } catch {
            for problem in error.problems {
                #expect(
                    problem.message.contains("no such file") || problem.message.contains("does not exist")
                        || problem.message.contains("not an executable"), "\(problem)")
            }
        }
    }
}
