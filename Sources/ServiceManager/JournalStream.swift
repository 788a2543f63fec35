#if canImport(Glibc)
import Glibc
#endif

/// Whether a standard stream is connected to systemd's journal, which reads a `<N>` syslog priority before each line
/// (sd-daemon(3)). systemd sets `JOURNAL_STREAM` to the device and inode (`DEV:INO`) of the stream it connected; a
/// descriptor with the same device and inode is that stream (one redirected elsewhere by a shell is not).
public struct JournalStream: Sendable, Equatable {
    /// Whether lines written to the stream should carry a priority prefix.
    public let isJournal: Bool

    public init(isJournal: Bool) {
        self.isJournal = isJournal
    }

    /// Compares `descriptor` with `JOURNAL_STREAM` in `environment`.
    public init(descriptor: Int32, environment: [String: String]) {
        var status = stat()
        guard let value = environment["JOURNAL_STREAM"], fstat(descriptor, &status) == 0 else { isJournal = false; return }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { isJournal = false; return }
        isJournal = UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// This process's standard error, as it was when first asked.
    public static let standardError = JournalStream(descriptor: STDERR_FILENO, environment: processEnvironment())
    /// This process's standard output, as it was when first asked.
    public static let standardOutput = JournalStream(descriptor: STDOUT_FILENO, environment: processEnvironment())

    /// `text` with `priority`'s prefix before each of its lines when the stream is the journal; unchanged otherwise.
    public func format(_ text: String, priority: SyslogPriority) -> String {
        guard isJournal else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let endsWithNewline = lines.last?.isEmpty == true
        if endsWithNewline { lines.removeLast() }
        return lines.map { priority.prefix + $0 }.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    private static func processEnvironment() -> [String: String] {
        getenv("JOURNAL_STREAM").map { ["JOURNAL_STREAM": String(cString: $0)] } ?? [:]
    }
}
