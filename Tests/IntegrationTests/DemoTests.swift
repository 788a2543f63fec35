import Foundation
import TestSupport
import Testing

/// `otpkit demo`, which `make demo` runs.
@Suite struct DemoTests {
    @Test func demoCrossChecksCodesAndLeavesNoProcessBehind() throws {
        let result = try Subprocess.run(ProjectPaths.otpkit.path, ["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "match\n").count - 1 == 3, "\(result.stdout)")
        #expect(!result.stdout.contains("MISMATCH"))
        #expect(result.stdout.contains("\"secretBase32\""))
        #expect(result.stdout.contains("\"counter\" : 3"))
        #expect(result.stdout.components(separatedBy: "-> accepted").count - 1 == 6, "two fresh codes, the one after the resync, three batch tokens")
        #expect(result.stdout.contains("handed 3 seeds to the verifier"))
        #expect(result.stdout.components(separatedBy: "refused (replay)").count - 1 == 2)
        #expect(result.stdout.contains("refused (beyond the look-ahead window of 10)"))
        #expect(result.stdout.contains("-> the verifier expects counter 58 next"))
        #expect(result.stdout.contains(try Regex("press: radtest demo [0-9]{6} 127.0.0.1:[0-9]+ 0 SECRET -> Access-Accept")),
                "the RADIUS login through FreeRADIUS's radtest: \(result.stdout)")
        #expect(result.stdout.contains(try Regex("the same code again: radtest demo [0-9]{6} .* -> Access-Reject")))
        let listening = try #require(result.stdout.split(separator: "\n").first { $0.contains("on 127.0.0.1:") })
        let port = try #require(listening.split(separator: ":").last?.split(separator: " ").first)
        let still = try Subprocess.run("/usr/bin/pgrep", ["-f", "otpkit emulate --tokens [0-9]+ --port 0"])
        #expect(still.stdout.isEmpty, "an emulator was left running (port \(port))")
        let server = try Subprocess.run("/usr/bin/pgrep", ["-f", "otpkit verifier serve --db .*otpkit-demo-batch"])
        #expect(server.stdout.isEmpty, "the demo's verification server was left running")
    }
}
