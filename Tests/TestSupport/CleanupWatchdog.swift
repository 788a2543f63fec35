import Foundation

/// Cleans up after a test process that died without doing so itself (a crash, a SIGKILL, a debugger stopped): a
/// small shell waits for this process to be gone, then runs a command (kill a child server, remove a file that
/// lives outside the temporary folder). When the test process ends normally the fixture has cleaned up already and
/// the command finds nothing left to do.
public enum CleanupWatchdog {
    public static func start(afterThisProcess command: String) {
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(command)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try? ProcessLaunch.run(process)
    }
}
