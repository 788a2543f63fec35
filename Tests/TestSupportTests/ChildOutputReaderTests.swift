import Foundation
import TestSupport
import Testing

/// The tests' one reader of a child's output: its waits end at the deadline while the child is silent, at once when
/// the child ends (even with a grandchild holding the pipe), and see a line only once its newline came.
@Suite struct ChildOutputReaderTests {
    /// `/bin/sh -c SCRIPT` whose standard input is a pipe the test holds (closing it ends `read` and `cat`).
    static func shell(_ script: String) throws -> (ChildOutputReader, input: Pipe, process: Process) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let input = Pipe()
        process.standardInput = input
        return (try ChildOutputReader(launching: process, name: "sh"), input, process)
    }

    @Test func aSilentChildFailsTheWaitAtItsDeadline() throws {
        let (output, input, process) = try Self.shell("echo starting; exec cat")
        defer { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
        try output.waitForLine(containing: "starting")
        let start = Date()
        do {
            try output.waitForLine(containing: "ready", timeout: 0.5)
            Issue.record("a line that never came was found")
        } catch {
            #expect(error.description.contains("0.5 s passed") && error.description.contains("starting"), "\(error)")
        }
        // Never before its deadline; how long after depends on the machine's load, so no upper bound here.
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 0.5, "the wait took \(waited) s for a deadline of 0.5 s")
        #expect(output.ending == nil, "cat still runs")
    }

    @Test func aChildThatExitsEndsTheWaitAtOnceWithWhatItPrinted() throws {
        let (output, _, _) = try Self.shell("echo one; printf two; exit 3")
        let start = Date()
        do {
            try output.waitForLine(containing: "never", timeout: 60)
            Issue.record("a line that never came was found")
        } catch {
            #expect(error.description.contains("exited with status 3"), "\(error)")
            #expect(error.description.contains("one\ntwo"), "\(error)")
        }
        #expect(Date().timeIntervalSince(start) < 10, "ended by the exit, not by the deadline")
        #expect(output.ending?.status == 3 && output.ending?.reason == .exit)
        #expect(try output.waitForLine(startingWith: "tw") == "two", "the unfinished last line counts at the end of file")
    }

    /// A grandchild keeps the pipe open after the child exits: the end of file never comes, the exit ends the wait.
    @Test func theChildsExitEndsTheWaitWhileAGrandchildHoldsThePipe() throws {
        let (output, _, _) = try Self.shell("sleep 60 & echo \"grandchild $!\"; exit 4")
        let grandchild = try #require(Int32(try output.waitForLine(startingWith: "grandchild ").dropFirst("grandchild ".count)))
        defer { kill(grandchild, SIGKILL) }
        let start = Date()
        #expect(throws: ChildOutputReader.Failure.self) { try output.waitForLine(containing: "never", timeout: 60) }
        #expect(Date().timeIntervalSince(start) < 10, "ended by the exit, not by the deadline")
        #expect(try output.waitForEnd(timeout: 10).status == 4)
    }

    /// The line comes in two writes, the test waiting between them: the first half alone matches nothing.
    @Test func aLineSplitAcrossReadsIsMatchedWhole() throws {
        let (output, input, process) = try Self.shell(#"printf 'first\nlis'; read x; printf 'tening on 42\n'; exec cat"#)
        defer { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
        try output.waitForLine(containing: "first")
        #expect(throws: ChildOutputReader.Failure.self, "a line still being written is not a line yet") {
            try output.waitForLine(startingWith: "lis", timeout: 0.3)
        }
        try input.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
        #expect(try output.waitForLine(startingWith: "lis") == "listening on 42")
        #expect(output.output == "first\nlistening on 42\n")
    }

    /// Each wait returns a line no earlier wait returned: two requests get their two answers in turn.
    @Test func eachLineIsReturnedOnce() throws {
        let (output, input, process) = try Self.shell(#"printf 'pressed 1\npressed 2\n'; exec cat"#)
        defer { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
        #expect(try output.waitForLine(startingWith: "pressed ") == "pressed 1")
        #expect(try output.waitForLine(startingWith: "pressed ") == "pressed 2")
        #expect(throws: ChildOutputReader.Failure.self) { try output.waitForLine(startingWith: "pressed ", timeout: 0.3) }
        try input.fileHandleForWriting.write(contentsOf: Data("pressed 3\n".utf8))
        #expect(try output.waitForLine(startingWith: "pressed ") == "pressed 3", "cat echoes it: a line that came later")
    }
}
