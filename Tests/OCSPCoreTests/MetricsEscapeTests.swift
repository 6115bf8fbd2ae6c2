import Foundation
import Testing

@testable import OCSPCore

/// The metrics file escapes label values by Unicode scalar: "\r\n" is one Character, and a
/// watched-folder file name holding it must neither forge a sample nor break the file.
@Suite struct MetricsEscapeTests {
    static let forgingName = "z\r\nocspd_staple_valid{output=\"FORGED\",serial=\"1\"} 1\r\n#.pem"

    @Test func aChainNamedWithCRLFInAWatchedFolderForgesNoSampleAndPromtoolAcceptsTheFile() throws {
        let scenario = try Scenario()
        try scenario.startResponder()
        let crt = "\(scenario.folder)/crt"
        try FileManager.default.createDirectory(atPath: crt, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try scenario.chainFile(), toPath: "\(crt)/\(Self.forgingName)")
        let config = "\(scenario.folder)/ocspd.yaml"
        try """
        state-dir: \(scenario.stateDirectory)
        directories:
          - path: \(crt)
            target: generic
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let metrics = "\(scenario.folder)/ocspd.prom"
        let result = try OCSPDBinary.run(["refresh", "--config", config, "--metrics-file", metrics])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(!text.unicodeScalars.contains("\r"), "\(text)")
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty && !line.hasPrefix("#") {
            #expect(line.hasPrefix("ocspd_"), "\(line)")
            #expect(!line.hasPrefix("ocspd_staple_valid{output=\"FORGED\""), "\(line)")
        }
        #expect(text.contains(#"z\\r\nocspd_staple_valid{output=\"FORGED\",serial=\"1\"} 1\\r\n#.pem.ocsp""#), "\(text)")
        try Promtool.expectValidMetrics(metrics)
    }

    @Test func labelValuesEscapeEveryScalarTheFormatOrAReaderCannotTakeRaw() {
        #expect(MetricsFile.escape("a\r\nb") == #"a\\r\nb"#)
        #expect(MetricsFile.escape("q\"\\") == #"q\"\\"#)
        #expect(MetricsFile.escape("t\tx\u{1B}y\u{202E}") == #"t\\tx\\u{1B}y\\u{202E}"#)
        #expect(MetricsFile.escape("café é") == "café é")
    }
}
