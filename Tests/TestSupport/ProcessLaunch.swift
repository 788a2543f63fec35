import Foundation
import Synchronization

/// Starts child processes one at a time. Foundation's `Process.run()` was seen to crash (SIGSEGV in memmove while
/// copying the environment) when many tests launched processes at once, so every launch in the tests goes
/// through this lock; the children still run in parallel.
public enum ProcessLaunch {
    private static let lock = Mutex(())

    public static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
