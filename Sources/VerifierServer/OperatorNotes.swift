import Foundation
import ServiceManager

/// One-line notes for the operator on stderr (audit failures, 503 answers with their cause, reloads). A note must
/// never take the server down: stderr may be a pipe whose reader is gone, so a failed write is ignored. On the
/// journal a note carries its priority (`<4>` for the warnings that most notes are).
enum OperatorNotes {
    static func write(_ text: String, priority: SyslogPriority = .warning) {
        let line = "otpkit: " + text.replacingOccurrences(of: "\n", with: " ") + "\n"
        try? FileHandle.standardError.write(contentsOf: Data(JournalStream.standardError.format(line, priority: priority).utf8))
    }
}
