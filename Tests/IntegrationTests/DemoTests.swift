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
        #expect(result.stdout.components(separatedBy: "   done OpenHOTP ").count - 1 == 3, "the batch: \(result.stdout)")
        #expect(result.stdout.contains("handed 3 seeds to the verifier: `otpkit verifier serve`, over its HTTP API"))
        #expect(result.stdout.components(separatedBy: "refused (replay)").count - 1 == 2)
        #expect(result.stdout.contains("refused (beyond the look-ahead window of 10)"))
        #expect(result.stdout.contains("-> the verifier expects counter 58 next"))
        #expect(result.stdout.contains(try Regex("press: radtest demo [0-9]{6} 127.0.0.1:[0-9]+ 0 SECRET -> Access-Accept")),
                "the RADIUS login through FreeRADIUS's radtest: \(result.stdout)")
        #expect(result.stdout.contains(try Regex("the same code again: radtest demo [0-9]{6} .* -> Access-Reject")))
        // Hummingbird's info lines stay out of the demo (its child `serve` logs the framework at warning only).
        #expect(!result.stdout.contains("Server started") && !result.stderr.contains("Server started"), "\(result.stdout)\(result.stderr)")
        let server = try Subprocess.run("/usr/bin/pgrep", ["-f", "otpkit verifier serve --db .*otpkit-demo-batch"])
        #expect(server.stdout.isEmpty, "the demo's verification server was left running")
    }
}
