import Foundation

/// One line per decision: when, what, which token, which client, the outcome. Never a code or a secret.
final class AuditLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let formatter = ISO8601DateFormatter()

    init(handle: FileHandle) {
        self.handle = handle
    }

    func record(_ action: String, token: String, client: String, outcome: String) {
        let line = "\(lock.withLock { formatter.string(from: Date()) }) audit action=\(action) token=\(Self.clean(token)) client=\(client) outcome=\(outcome)\n"
        lock.withLock { handle.write(Data(line.utf8)) }
    }

    /// Token ids come from requests: keep them on one line and printable.
    private static func clean(_ text: String) -> String {
        String(text.prefix(128).map { $0.isLetter || $0.isNumber || "-_.:@".contains($0) ? $0 : "?" })
    }
}
