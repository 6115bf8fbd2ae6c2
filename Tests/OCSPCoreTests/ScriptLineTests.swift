import Foundation
import Testing

@testable import OCSPCore

/// A hook's `#!` line is read as the Linux kernel reads it (fs/binfmt_script.c): the
/// interpreter ocspd checks is the one execve starts.
@Suite struct ScriptLineTests {
    private func parse(_ text: String) -> ScriptLine { ScriptLine.parse(Array(text.utf8)) }

    @Test func aFileWithoutHashBangIsNotAScript() {
        #expect(ScriptLine.parse([0x7f, 0x45, 0x4c, 0x46, 2, 1]) == .notAScript)
        #expect(parse("echo hi\n") == .notAScript)
        #expect(parse("#") == .notAScript)
        #expect(parse(" #!/bin/sh\n") == .notAScript)
    }

    @Test func theInterpreterIsTheFirstWordAndTheRestOfTheLineOneArgument() {
        #expect(parse("#!/bin/sh\necho\n") == .script(interpreter: "/bin/sh", argument: nil))
        #expect(parse("#! /bin/sh -e\n") == .script(interpreter: "/bin/sh", argument: "-e"))
        #expect(parse("#!/bin/sh\t-x -e  \n") == .script(interpreter: "/bin/sh", argument: "-x -e"))
        #expect(parse("#!/usr/bin/env  python3  \n") == .script(interpreter: "/usr/bin/env", argument: "python3"))
    }

    @Test func aFileOfOnlyTheLineWithoutANewlineStillNamesItsInterpreter() {
        #expect(parse("#!/bin/sh") == .script(interpreter: "/bin/sh", argument: nil))
        #expect(parse("#!/bin/sh -e") == .script(interpreter: "/bin/sh", argument: "-e"))
    }

    @Test func aCarriageReturnIsPartOfTheNameAsTheKernelSeesIt() {
        #expect(parse("#!/bin/sh\r\n") == .script(interpreter: "/bin/sh\r", argument: nil))
    }

    @Test func aLineWithNoInterpreterIsMalformed() {
        guard case .malformed = parse("#!\n"), case .malformed = parse("#!   \t\n"), case .malformed = parse("#!") else {
            Issue.record("an empty #! line was taken as naming an interpreter")
            return
        }
    }

    @Test func anInterpreterNameLongerThanTheKernelsBufferIsMalformedNotCut() {
        let long = "#!/" + String(repeating: "a", count: 300) + "\n"
        guard case .malformed(let why) = parse(long) else {
            Issue.record("a cut interpreter name was accepted: \(parse(long))")
            return
        }
        #expect(why.contains("256"), "\(why)")
    }

    @Test func onlyTheFirst256BytesCountAndALongArgumentIsCut() {
        let line = "#!/bin/sh " + String(repeating: "x", count: 400) + "\n"
        guard case .script(let interpreter, let argument?) = parse(line) else {
            Issue.record("not read: \(parse(line))")
            return
        }
        #expect(interpreter == "/bin/sh")
        #expect(argument.count == 255 - "#!/bin/sh ".utf8.count)
    }

    @Test func theArgumentEndsAtANul() {
        #expect(ScriptLine.parse(Array("#!/bin/sh -e".utf8) + [0] + Array("x\n".utf8)) == .script(interpreter: "/bin/sh", argument: "-e"))
    }

    @Test func anInterpreterNotUTF8IsRefusedNotDecoded() {
        guard case .malformed(let why) = ScriptLine.parse(Array("#!/bin/s".utf8) + [0xff] + Array("h\n".utf8)) else {
            Issue.record("a name that is not UTF-8 was decoded")
            return
        }
        #expect(why.contains("UTF-8"))
    }
}
