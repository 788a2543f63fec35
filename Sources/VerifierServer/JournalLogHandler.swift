import Foundation
import Logging
import ServiceManager

/// swift-log's lines for a standard error that is the journal: each line starts with its syslog priority (`<4>` for
/// a warning) and carries no timestamp of its own (the journal stamps it). Writes never fail the caller.
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let details = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = "\(label): \(event.level): \(event.message)\(details)".replacingOccurrences(of: "\n", with: " ")
        let line = Self.priority(event.level).prefix + text + "\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }

    static func priority(_ level: Logger.Level) -> SyslogPriority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
