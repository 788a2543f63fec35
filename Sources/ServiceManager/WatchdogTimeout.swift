#if canImport(Glibc)
import Glibc
#endif

/// systemd's watchdog for this process (`WatchdogSec=`): without a ping (`WATCHDOG=1`) within `timeout`, the service
/// is deemed hung and handled as a failure (restarted with `Restart=on-failure`).
public struct WatchdogTimeout: Sendable, Equatable {
    public let timeout: Duration

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// From `WATCHDOG_USEC` (microseconds, above 0), when `WATCHDOG_PID` names `processID` or is unset (as
    /// sd_watchdog_enabled(3) reads them); nil otherwise: no watchdog, or one meant for another process.
    public init?(environment: [String: String], processID: pid_t = getpid()) {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0,
              microseconds <= UInt64(Int64.max / 1_000) else { return nil }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let pid = pid_t(owner), pid == processID else { return nil }
        }
        timeout = .microseconds(Int64(microseconds))
    }

    /// How often to ping: half the timeout, as sd_watchdog_enabled(3) advises.
    public var pingInterval: Duration { timeout / 2 }
}
