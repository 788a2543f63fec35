import Foundation

/// CPU time the benchmark's server processes spent (user + system, all threads, from `/proc/PID/stat`), so that a
/// load's cost per request can be told apart from the machine's other work.
enum ProcessCPU {
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Seconds of CPU `pid` has used so far; 0 when it is gone.
    static func seconds(_ pid: Int32) -> Double {
        guard let fields = statFields(pid), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / ticksPerSecond
    }

    /// Seconds of CPU used so far by `pid`'s living children (a PostgreSQL server's backends).
    static func childrenSeconds(of pid: Int32) -> Double {
        children(of: pid).map(seconds).reduce(0, +)
    }

    /// The living processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { statFields($0)?[1] == String(pid) }
    }

    /// The fields of `/proc/PID/stat` after the command name (state, ppid, ...): the name, in parentheses, may hold
    /// spaces.
    private static func statFields(_ pid: Int32) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }
}

extension ProcessCPU {
    /// Seconds of CPU used by this process (the RADIUS load client runs in it) and by its children waited for
    /// (wrk, once it has ended).
    static func ownAndChildren() -> (own: Double, children: Double) {
        func seconds(_ who: __rusage_who_t) -> Double {
            var usage = rusage()
            getrusage(who, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return (seconds(__rusage_who_t(RUSAGE_SELF.rawValue)), seconds(__rusage_who_t(RUSAGE_CHILDREN.rawValue)))
    }

    /// The machine's CPU time so far, busy and in all (from `/proc/stat`, in ticks), to tell how loaded it was.
    static func machine() -> (busy: Double, total: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = text.split(separator: "\n").first else { return (0, 0) }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return (0, 0) }
        let total = ticks.prefix(8).reduce(0, +)
        return (total - ticks[3] - ticks[4], total)  // idle and iowait are not busy
    }
}
