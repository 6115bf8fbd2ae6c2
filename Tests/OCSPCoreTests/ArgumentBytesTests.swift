import Foundation
import Testing

@testable import OCSPCore

/// Command-line arguments are taken byte for byte or refused: Swift would decode a stray byte
/// as U+FFFD and write another file than the one named.
@Suite struct ArgumentBytesTests {
    /// `ocspd ARGUMENTS...` through the shell, so that `$'...'`-style bytes reach argv as they are;
    /// `RAW` in an argument stands for the byte 0xFF.
    private func run(_ arguments: [String]) throws -> CommandResult {
        let quoted = arguments.map { "\"$(printf '%s' '\($0)' | sed 's/RAW/\\xff/g')\"" }.joined(separator: " ")
        return try Command.run("/bin/sh", ["-c", "exec \"$0\" \(quoted)", OCSPDBinary.path])
    }

    @Test func anOutputThatIsNotUTF8IsRefusedWith64NamingTheArgumentAndNothingIsWritten() throws {
        let scenario = try Scenario()
        let result = try run([
            "refresh", "--chain", try scenario.chainFile(), "--output", "\(scenario.folder)/aRAWb.der",
            "--state-dir", scenario.stateDirectory,
        ])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("argument 5 is not UTF-8 text (\(scenario.folder)/a\\xFFb.der)"), "\(result.stderr)")
        #expect(result.stderr.contains("byte for byte"))
        let names = try FileManager.default.contentsOfDirectory(atPath: scenario.folder)
        #expect(!names.contains { $0.hasPrefix("a") && $0.hasSuffix("b.der") }, "\(names)")
    }

    @Test func aChainThatIsNotUTF8IsRefusedBeforeAnythingIsRead() throws {
        let scenario = try Scenario()
        let result = try run(["refresh", "--chain=\(scenario.folder)/cRAW.pem", "--output", scenario.output])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("argument 2 is not UTF-8 text (--chain=\(scenario.folder)/c\\xFF.pem)"), "\(result.stderr)")
    }

    @Test func checkAndProbeAnswerUnknownInTheirOwnFormat() throws {
        let check = try run(["check", "--config", "/etc/ocspd/oRAW.yaml"])
        #expect(check.status == 3)
        #expect(check.stdoutText.hasPrefix("OCSPD UNKNOWN - argument 3 is not UTF-8 text (/etc/ocspd/o\\xFF.yaml)"), "\(check.stdoutText)")
        let json = try run(["check", "--config", "/etc/ocspd/oRAW.yaml", "--json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect(object["status"] as? String == "UNKNOWN")
        let probe = try run(["probe", "localhost:25", "--expect", "sRAW.der"])
        #expect(probe.status == 3)
        #expect(probe.stdoutText.hasPrefix("OCSPD UNKNOWN - argument 4 is not UTF-8 text"), "\(probe.stdoutText)")
    }

    @Test func bytesAreShownEscapedAndValidTextAsItIs() {
        #expect(ByteText.shown(Array("a".utf8) + [0xFF] + Array("b.der".utf8)) == "a\\xFFb.der")
        #expect(ByteText.shown(Array("café\n".utf8)) == "café\\n")
        #expect(ByteText.shown([0xC3, 0x28, 0x0F]) == "\\xC3(\\u{F}")
        #expect(ArgumentBytes.firstNotUTF8([[0xFF], Array("run".utf8), [0x61, 0x80]]) == .init(position: 2, shown: "a\\x80"))
        #expect(ArgumentBytes.firstNotUTF8([[0xFF], Array("café".utf8)]) == nil)
    }
}
