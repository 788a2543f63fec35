/// A JSON object of one level: string, integer, boolean and null members, nothing nested. The control protocol needs
/// no more, so its parser accepts no more: no depth to exhaust, and hard limits on members and lengths.
public struct FlatJSONObject: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        case bool(Bool)
        case null
    }

    public struct Limits: Sendable {
        public var maximumMembers = 8
        public var maximumKeyLength = 32
        public var maximumStringLength = 256
        public static let control = Limits()
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnObject
        case nested
        case tooManyMembers
        case tooLong
        case duplicateKey
        case malformed

        public var description: String {
            switch self {
            case .notAnObject: "a line must hold one JSON object"
            case .nested: "nested objects and arrays are not accepted"
            case .tooManyMembers: "too many members"
            case .tooLong: "a key or string is too long"
            case .duplicateKey: "a key appears twice"
            case .malformed: "malformed JSON"
            }
        }
    }

    public let members: [String: Value]

    public init(members: [String: Value]) {
        self.members = members
    }

    public subscript(key: String) -> Value? { members[key] }

    public init(parsing bytes: some Collection<UInt8>, limits: Limits = .control) throws(ParseError) {
        var reader = Reader(bytes: Array(bytes), limits: limits)
        members = try reader.object()
    }

    private struct Reader {
        let bytes: [UInt8]
        let limits: Limits
        var position = 0

        init(bytes: [UInt8], limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(ParseError) {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { throw .malformed }
            position += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return position < bytes.count ? bytes[position] : nil
        }

        mutating func object() throws(ParseError) -> [String: Value] {
            guard peek() == UInt8(ascii: "{") else { throw .notAnObject }
            position += 1
            var members: [String: Value] = [:]
            if peek() == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    guard peek() == UInt8(ascii: "\"") else { throw .malformed }
                    let key = try string(maximum: limits.maximumKeyLength)
                    try expect(UInt8(ascii: ":"))
                    let value = try value()
                    guard members.updateValue(value, forKey: key) == nil else { throw .duplicateKey }
                    guard members.count <= limits.maximumMembers else { throw .tooManyMembers }
                    guard let next = peek() else { throw .malformed }
                    position += 1
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw .malformed }
                }
            }
            guard peek() == nil else { throw .malformed }
            return members
        }

        mutating func value() throws(ParseError) -> Value {
            guard let first = peek() else { throw .malformed }
            switch first {
            case UInt8(ascii: "\""): return .string(try string(maximum: limits.maximumStringLength))
            case UInt8(ascii: "{"), UInt8(ascii: "["): throw .nested
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw .malformed
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let expected = Array(word.utf8)
            guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else {
                throw .malformed
            }
            position += expected.count
        }

        /// An integer of at most 15 digits (no fraction, no exponent): counts and slots, never more.
        mutating func integer() throws(ParseError) -> Int {
            var negative = false
            if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
            var digits = 0, value = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
                guard digits <= 15 else { throw .tooLong }
            }
            guard digits > 0 else { throw .malformed }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                throw .malformed
            }
            return negative ? -value : value
        }

        mutating func string(maximum: Int) throws(ParseError) -> String {
            position += 1  // the opening quote
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() throws(ParseError) {
                guard !raw.isEmpty else { return }
                guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll()
            }
            while true {
                guard position < bytes.count else { throw .malformed }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    guard position < bytes.count else { throw .malformed }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "u"):
                        guard bytes.count - position >= 4,
                              let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                              let scalar = Unicode.Scalar(code) else { throw .malformed }  // surrogates: refused
                        position += 4
                        scalars.append(scalar)
                    default: throw .malformed
                    }
                case 0..<0x20:
                    throw .malformed
                default:
                    raw.append(byte)
                }
                guard scalars.count + raw.count <= maximum else { throw .tooLong }
            }
        }
    }
}

/// Renders a reply: one JSON object on one line, keys in the order given.
public enum JSONLine {
    public static func object(_ members: [(String, FlatJSONObject.Value)]) -> String {
        "{" + members.map { quote($0.0) + ":" + render($0.1) }.joined(separator: ",") + "}"
    }

    /// A member whose value is already rendered JSON (an array of objects).
    public static func render(_ value: FlatJSONObject.Value) -> String {
        switch value {
        case .string(let text): quote(text)
        case .integer(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }

    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
