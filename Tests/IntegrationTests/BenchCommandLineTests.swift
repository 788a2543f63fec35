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
        #expect(result.stdout.contains("--nodes") && result.stdout.contains("--cpus"), "\(result.stdout)")
        #expect(!result.stdout.contains("disk anchor"))
    }

    /// A CPU plan is NODES/POSTGRES/CLIENT, each a list of CPUs, or auto; anything else is refused before anything runs.
    @Test(arguments: [["radius", "--cpus", "0-x/1/2"], ["cluster", "--cpus", "0/1"], ["radius", "--cpus", "3-1/0/0"], ["cluster", "--nodes", "0"]])
    func aMalformedCPUPlanOrNodeCountIsAUsageError(_ arguments: [String]) throws {
        let result = try Subprocess.run(ProjectPaths.otpkitBench.path, arguments, timeout: 30)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("--cpus") || result.stderr.contains("--nodes"), "\(result.stderr)")
        #expect(!result.stdout.contains("disk anchor"))
    }

    @Test func anUnknownSubcommandIsAUsageError() throws {
        let result = try Subprocess.run(ProjectPaths.otpkitBench.path, ["nonsense"], timeout: 30)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
    }
}
