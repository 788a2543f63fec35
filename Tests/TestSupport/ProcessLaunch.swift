import Foundation

/// Starts the tests' child processes. On Linux `Process.run()` lists /proc/self/fd and copies 256 bytes of each entry's
/// name, reading past glibc's 32 KiB directory buffer when the listing fills it: with about 1,300 descriptors open the
/// test process then dies now and then (SIGSEGV in memmove under `Process.run`, swift-corelibs-foundation PR 5472).
/// So launches refuse to go on with that many open (a leak in a test), and `Subprocess` closes its pipes.
public enum ProcessLaunch {
    /// Below the listing that fills the buffer (32 KiB of 24-byte entries, about 1,365). The whole suite peaks at
    /// about 1,110 on 2 cores (SQLite stores and PostgreSQL pools of tests running at once), measured by sampling
    /// /proc/PID/fd through a full run.
    static let maximumOpenDescriptors = 1_200

    public static func run(_ process: Process) throws {
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        guard open < maximumOpenDescriptors else { throw TooManyOpenDescriptors(count: open) }
        try process.run()
    }

    public struct TooManyOpenDescriptors: Error, CustomStringConvertible {
        let count: Int
        public var description: String {
            "\(count) file descriptors are open in the test process (a leak?): Process.run() would risk crashing past about 1,300"
        }
    }
}
