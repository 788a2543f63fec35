import DispatchExecutors
import Foundation
import Glibc

/// A program run as our child with standard input, output and error inherited, as a shell runs it: for
/// `otpkit emulate -- COMMAND`. Signals the CLI ignores (SIGINT and SIGTERM, handled by dispatch sources; SIGPIPE)
/// are reset to their defaults in the child, since exec keeps ignored signals ignored.
struct ChildCommand {
    let pid: pid_t

    struct LaunchFailure: Error, CustomStringConvertible {
        let description: String
    }

    init(_ arguments: [String], environment: [String: String]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP] { sigaddset(&defaults, number) }
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], nil, &attributes, argv, envp)
        guard result == 0 else {
            throw LaunchFailure(description: "cannot run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the child (on a thread of its own: waitpid blocks) and returns its exit status as a shell reports
    /// it (128+N for death by signal N).
    func exitStatus() async -> Int32 {
        let pid = self.pid
        return await SerialQueueExecutor(label: "otpkit.child \(pid)").run { Self.wait(pid) }
    }

    private static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return 127 }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
