import Foundation

/// `2026-11-30T00:17:05Z` for now, as ISO8601DateFormatter writes it by default, at a fraction of its cost (the audit
/// log stamps every decision).
enum UTCTimestamp {
    static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = ""
        text.reserveCapacity(20)
        func append(_ value: Int32, width: Int) {
            let digits = String(value)
            text += String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        append(parts.tm_year + 1900, width: 4); text += "-"
        append(parts.tm_mon + 1, width: 2); text += "-"
        append(parts.tm_mday, width: 2); text += "T"
        append(parts.tm_hour, width: 2); text += ":"
        append(parts.tm_min, width: 2); text += ":"
        append(parts.tm_sec, width: 2); text += "Z"
        return text
    }
}
