import Foundation

/// One-line notes for the operator on stderr (audit failures, 503 answers with their cause). A note must never take
/// the server down: stderr may be a pipe whose reader is gone, so a failed write is ignored.
enum OperatorNotes {
    static func write(_ text: String) {
        let line = "otpkit: " + text.replacingOccurrences(of: "\n", with: " ") + "\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }
}
