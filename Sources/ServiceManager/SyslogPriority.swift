/// A line's importance as syslog and the journal rank it (syslog(3)'s levels); sd-daemon(3)'s `<N>` prefix carries it
/// on a standard stream connected to the journal.
public enum SyslogPriority: Int, Sendable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    /// `<3>` for an error, `<4>` a warning, `<6>` information.
    public var prefix: String { "<\(rawValue)>" }

    public static func < (lhs: SyslogPriority, rhs: SyslogPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
