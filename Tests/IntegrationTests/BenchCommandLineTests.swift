import Foundation
import TestSupport
import Testing

/// `otpkit-bench`'s command line: help runs nothing (a benchmark takes minutes and starts servers).
@Suite struct BenchCommandLineTests {
    @Test func helpPrintsTheSubcommandsAndRunsNothing() throws {
        let started = ContinuousClock.now
        let result = try Subprocess.run(ProjectPaths.otpkitBench.path, ["--help"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        for subcommand in ["all", "hotp", "refusals", "cluster", "radius", "backup", "hid"] {
            #expect(result.stdout.contains("  \(subcommand) "), "\(subcommand) is listed: \(result.stdout)")
        }
        #expect(!result.stdout.contains("otpkit-bench on "), "the default benchmark did not start: \(result.stdout)")
        #expect(!result.stdout.contains("codes/s"))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func subcommandHelpNamesItsOptionsAndRunsNothing() throws {
        let result = try Subprocess.run(ProjectPaths.otpkitBench.path, ["radius", "--help"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("--outstanding") && result.stdout.contains("--seconds"), "\(result.stdout)")
        #expect(!result.stdout.contains("disk anchor"))
    }

    @Test func anUnknownSubcommandIsAUsageError() throws {
        let result = try Subprocess.run(ProjectPaths.otpkitBench.path, ["nonsense"], timeout: 30)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
    }
}
