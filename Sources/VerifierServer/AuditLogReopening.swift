import Foundation

/// Where the audit log's file is and how to open it (appending): a reload (SIGHUP) opens it again at `path`, so that
/// after logrotate moved the file away the next line starts a new file there.
public struct AuditLogReopening: Sendable {
    public let path: String
    public let open: @Sendable (String) throws -> FileHandle

    public init(path: String, open: @escaping @Sendable (String) throws -> FileHandle) {
        self.path = path
        self.open = open
    }
}
