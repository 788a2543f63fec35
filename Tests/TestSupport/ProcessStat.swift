import Foundation

/// What the kernel tells of a process in `/proc/PID/stat`: its state, its parent and the CPU time it used.
public struct ProcessStat: Sendable {
    /// The fields after the command name, whose parentheses may enclose anything (spaces and parentheses included):
    /// state (field 3 of proc(5)) is the first.
    private let fields: [Substring]

    /// nil when there is no such process (or it ended).
    public init?(_ pid: pid_t) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12 else { return nil }
    }

    /// Z for a zombie (ended, waiting for its parent to reap it).
    public var state: Substring { fields[0] }
    public var parent: pid_t? { pid_t(fields[1]) }
    /// User and system time (fields 14 and 15), in seconds.
    public var cpuSeconds: Double {
        guard let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
