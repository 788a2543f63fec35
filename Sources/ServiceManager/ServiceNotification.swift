#if canImport(Glibc)
import Glibc
#endif

/// One message to the service manager: newline-separated `NAME=VALUE` assignments (sd_notify(3)), such as `READY=1`.
public struct ServiceNotification: Sendable, Equatable, CustomStringConvertible {
    public let assignments: [String]

    public init(_ assignments: [String]) {
        self.assignments = assignments
    }

    /// Start-up finished, or a reload did; `status` is what `systemctl status` shows beside the unit.
    public static func ready(status: String? = nil) -> ServiceNotification {
        ServiceNotification(["READY=1"] + (status.map { ["STATUS=" + oneLine($0)] } ?? []))
    }

    /// A reload began (`READY=1` ends it), with the monotonic time systemd's notify-reload protocol asks for.
    public static func reloading(at monotonicMicroseconds: UInt64 = monotonicMicroseconds()) -> ServiceNotification {
        ServiceNotification(["RELOADING=1", "MONOTONIC_USEC=\(monotonicMicroseconds)"])
    }

    /// Shutdown began: what is in flight still finishes.
    public static let stopping = ServiceNotification(["STOPPING=1"])

    /// The service is alive (`WatchdogSec=`): systemd restarts it when these stop coming.
    public static let watchdog = ServiceNotification(["WATCHDOG=1"])

    /// A status line alone.
    public static func status(_ text: String) -> ServiceNotification { ServiceNotification(["STATUS=" + oneLine(text)]) }

    /// What goes over the socket.
    public var description: String { assignments.joined(separator: "\n") }

    /// CLOCK_MONOTONIC in microseconds, the clock of `MONOTONIC_USEC`.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// A value must stay on its line: a newline would start another assignment.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
