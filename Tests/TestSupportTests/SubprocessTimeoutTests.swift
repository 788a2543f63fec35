import Foundation
import Testing
import TestSupport

struct SubprocessTimeoutTests {
    /// A child that times out is killed with what it started: a grandchild that holds the child's output open (as a
    /// shell's background job, or the program `sudo` runs, does) no longer keeps the run waiting for that output.
    @Test func aTimedOutChildIsKilledWithWhatItStarted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-subprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("grandchild.pid").path
        // Timed on the thread that runs it: the wait for the cooperative pool to resume this test afterwards (tens of
        // seconds on two cores while other tests block it) is not the run's.
        let (outcome, waited) = try await runBlocking {
            let started = ContinuousClock.now
            let outcome = Result { try Subprocess.run("/bin/sh", ["-c", "sleep 600 & echo $! > \"$1\"; echo waiting; wait", "sh", pidFile], timeout: 1) }
            return (outcome, ContinuousClock.now - started)
        }
        let error = try #require(throws: Subprocess.TimedOut.self) { try outcome.get() }
        #expect(error.description.contains("waiting"), "what it printed before: \(error)")
        #expect(waited < .seconds(60), "\(waited)")
        let grandchild = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ProcessTree.isRunning(grandchild), "the background sleep \(grandchild) still runs")
    }
}
