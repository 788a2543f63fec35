import CoreMetrics
import Foundation
import ServiceManager
import Synchronization

/// One line per decision: when, what, which token, which client, the outcome. Never a code or a secret.
///
/// A line is written after its decision was committed, so a write that fails (a full disk, a pipe whose reader went
/// away) must cost neither the process nor the answer: the server keeps serving, counts the failure
/// (`otpkit_audit_write_failures_total`) and says so on stderr once per burst of failures (again after a write
/// succeeded). The durable record of every decision is the database's event rows; the audit log is a copy for people.
/// A file can be swapped for a new one (`replace`, on SIGHUP); lines on stderr carry `<6>` when it is the journal.
final class AuditLog: Sendable {
    private struct State {
        var handle: FileHandle
        var failing = false
        /// Before each line: the journal's priority when the handle is the journal's stderr.
        var prefix: String
    }

    private let state: Mutex<State>
    /// Counts the lines that could not be written (`otpkit_audit_write_failures_total`).
    private let failures: CoreMetrics.Counter

    init(handle: FileHandle, failures: CoreMetrics.Counter) {
        state = Mutex(State(handle: handle, prefix: Self.prefix(for: handle)))
        self.failures = failures
    }

    /// `user`: the user a login or an assignment named (a login by user name: `token` is the token that matched, or -).
    func record(_ action: String, token: String, user: String? = nil, client: String, outcome: String) {
        let note: String? = state.withLock { state in
            let line = state.prefix + "\(UTCTimestamp.now()) audit action=\(action) token=\(Self.clean(token))\(user.map { " user=" + Self.clean($0) } ?? "") client=\(Self.clean(client)) outcome=\(outcome)\n"
            do {
                try state.handle.write(contentsOf: Data(line.utf8))
                state.failing = false
                return nil
            } catch {
                failures.increment()
                guard !state.failing else { return nil }
                state.failing = true
                return "audit log write failed (\(Self.reason(error))); serving on, counting failures in otpkit_audit_write_failures_total"
            }
        }
        if let note { OperatorNotes.write(note) }
    }

    /// Writes the next lines to `handle` and closes the file written so far (never stderr).
    func replace(with handle: FileHandle) {
        let old = state.withLock { state in
            defer { state.handle = handle; state.prefix = Self.prefix(for: handle); state.failing = false }
            return state.handle
        }
        if old.fileDescriptor != STDERR_FILENO, old.fileDescriptor != handle.fileDescriptor { try? old.close() }
    }

    private static func prefix(for handle: FileHandle) -> String {
        handle.fileDescriptor == STDERR_FILENO && JournalStream.standardError.isJournal ? SyslogPriority.info.prefix : ""
    }

    /// Token ids come from requests: keep them on one line and printable.
    static func clean(_ text: String) -> String {
        String(text.prefix(128).map { $0.isLetter || $0.isNumber || "-_.:@".contains($0) ? $0 : "?" })
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(code))) }
        return (error as NSError).localizedDescription
    }
}
