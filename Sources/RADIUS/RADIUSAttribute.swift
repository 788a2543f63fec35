/// One attribute: Type(1) Length(1) Value. The value holds at most 253 bytes (the Length octet counts the two header
/// bytes too), which every initialiser enforces, so an attribute can always be encoded.
public struct RADIUSAttribute: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// The largest value one attribute carries.
    public static let maximumValueLength = 253

    public let type: RADIUSAttributeType
    public let value: [UInt8]

    public init(type: RADIUSAttributeType, value: [UInt8]) throws(RADIUSEncodingError) {
        guard value.count <= Self.maximumValueLength else { throw .attributeTooLong(type: type.rawValue) }
        self.type = type
        self.value = value
    }

    /// For values known to fit (decoded ones, fixed sizes).
    init(unchecked type: RADIUSAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// A text attribute (UTF-8), e.g. User-Name.
    public init(type: RADIUSAttributeType, text: String) throws(RADIUSEncodingError) {
        try self.init(type: type, value: Array(text.utf8))
    }

    /// Reply-Message attributes carrying `text`: several when it is longer than one attribute holds (RFC 2865 5.18
    /// lets a client concatenate them), cut between Unicode scalars so each piece stays valid UTF-8.
    public static func replyMessages(_ text: String) -> [RADIUSAttribute] {
        var pieces: [RADIUSAttribute] = []
        var current: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if current.count + bytes.count > maximumValueLength {
                pieces.append(RADIUSAttribute(unchecked: .replyMessage, value: current))
                current = []
            }
            current += bytes
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(RADIUSAttribute(unchecked: .replyMessage, value: current)) }
        return pieces
    }

    /// The value as UTF-8 text, or nil when it is not valid UTF-8.
    public var text: String? {
        String(validating: value, as: UTF8.self)
    }

    /// Shows type and length only: values may be hidden passwords or State tokens.
    public var description: String { "\(type) (\(value.count) bytes)" }
    public var customMirror: Mirror { Mirror(self, children: ["type": type, "byteCount": value.count]) }
}
