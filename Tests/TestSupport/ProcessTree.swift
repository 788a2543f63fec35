import Foundation

/// A child process and everything it started, from the kernel's process table (each `ProcessStat`'s parent): a
/// child killed alone leaves its own children (a QEMU guest, the program behind `sh -c` or `sudo`) running and holding
/// the pipes the test reads to their end, so a timed-out run would wait for them for ever.
public enum ProcessTree {
    /// `root` and its descendants, parents first.
    static func members(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let parent = ProcessStat(pid)?.parent else { continue }
            children[parent, default: []].append(pid)
        }
        var members = [root], next = 0
        while next < members.count {
            members += children[members[next]] ?? []
            next += 1
        }
        return members
    }

    /// Sends SIGKILL to `root` and its descendants (all listed before any is killed, so that none escapes by being
    /// re-parented).
    public static func kill(_ root: pid_t) {
        for pid in members(of: root) { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// Whether `pid` runs: it exists and is not a zombie (a killed process waiting for its parent to reap it).
    public static func isRunning(_ pid: pid_t) -> Bool {
        ProcessStat(pid).map { $0.state != "Z" } ?? false
    }
}
