/// What a setting's values may be, and how its text is read: the same rules for the file's scalars, the environment
/// and the command line, so that a value means one thing wherever it is written.
public enum SettingKind: Sendable, Equatable {
    /// A file's path (never the file's contents: a secret is named by its path only).
    case path
    /// An SQLite path (or `sqlite:PATH`) or a `postgres://` URL.
    case databaseLocation
    /// `HOST:PORT`; with a default port, a `HOST` alone too (an IPv6 address in brackets when a port follows).
    case address(defaultPort: Int?)
    /// A whole number, written in decimal, within the range.
    case integer(ClosedRange<Int>)
    /// A finite number within the range.
    case number(ClosedRange<Double>)
    /// A finite number of seconds up to `maximum`; 0 only where `zeroAllowed`.
    case seconds(maximum: Double, zeroAllowed: Bool)
    /// `true` or `false` (YAML's `yes`/`no`/`on`/`off` too).
    case boolean

    /// The longest a duration may be anywhere in otpkit (a year), so that no value can make a `Duration` trap.
    public static let secondsLimit: Double = 366 * 86_400

    /// The longest text a path, location or address may be.
    public static let maximumTextLength = 4096

    /// The YAML type a file must give a value of this kind.
    var valueType: SettingValueType {
        switch self {
        case .path, .databaseLocation, .address: .text
        case .integer: .integer
        case .number, .seconds: .number
        case .boolean: .boolean
        }
    }

    /// What a value must be, for messages: "must be ...".
    public var expectation: String {
        switch self {
        case .path: "the path of a file (not its contents)"
        case .databaseLocation: "an SQLite path or a postgres:// URL"
        case .address(nil): "HOST:PORT (port 0 to 65535)"
        case .address(let port?): "HOST or HOST:PORT (port \(port) when omitted; an IPv6 address in brackets when a port follows)"
        case .integer(let range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .number(let range): "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        case .seconds(let maximum, true): "a number of seconds from 0 to \(Self.format(maximum))"
        case .seconds(let maximum, false): "a number of seconds above 0 and at most \(Self.format(maximum))"
        case .boolean: "true or false"
        }
    }

    /// The value `text` holds, or nil when it is not one of this kind (the caller says `expectation`).
    public func parse(_ text: String) -> SettingValue? {
        switch self {
        case .path:
            guard Self.isSingleLine(text), !text.hasPrefix("-----BEGIN") else { return nil }
            return .text(text)
        case .databaseLocation:
            return Self.isSingleLine(text) ? .text(text) : nil
        case .address(let defaultPort):
            guard Self.isSingleLine(text), !text.contains(where: \.isWhitespace) else { return nil }
            if defaultPort != nil, !text.hasPrefix("["), text.filter({ $0 == ":" }).count != 1 { return .text(text) }
            guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
                  let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
            return .text(text)
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else { return nil }
            return .integer(value)
        case .number(let range):
            guard let value = Double(text), value.isFinite, range.contains(value) else { return nil }
            return .number(value)
        case .seconds(let maximum, let zeroAllowed):
            guard let value = Double(text), value.isFinite, value <= maximum, zeroAllowed ? value >= 0 : value > 0 else { return nil }
            return .number(value)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on": return .boolean(true)
            case "false", "no", "off": return .boolean(false)
            default: return nil
            }
        }
    }

    private static func isSingleLine(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumTextLength && !text.contains(where: { $0.isNewline || $0 == "\0" })
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
