/// Shared-secret bytes of an OTP credential.
///
/// The bytes never appear in `description`, `debugDescription`, `dump` or string interpolation, so a secret
/// that reaches a log line or an error message shows only its length. Equality is constant-time.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The raw key. Read it only to hand it to a token, an HMAC or a sealed store.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(OTPError) {
        guard !bytes.isEmpty else { throw .emptySecret }
        self.bytes = bytes
    }

    /// A fresh secret from the system's cryptographically secure generator (getrandom on Linux).
    public static func random(byteCount: Int = 20) -> Secret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<max(1, byteCount)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try! Secret(bytes: bytes)
    }

    public init(hex text: String) throws(OTPError) {
        try self.init(bytes: Hex.decode(text))
    }

    public init(base32 text: String) throws(OTPError) {
        try self.init(bytes: Base32.decode(text))
    }

    /// Parses `hex:...`, `base32:...`, or, without a prefix, hex when the text is an even number of hex digits
    /// and base32 otherwise (a random base32 secret is practically never all hex digits).
    public init(parsing text: String) throws(OTPError) {
        let trimmed = text.trimmingWhitespace()
        if let rest = trimmed.droppingPrefix("hex:") {
            try self.init(hex: rest)
        } else if let rest = trimmed.droppingPrefix("base32:") {
            try self.init(base32: rest)
        } else if let rest = trimmed.droppingPrefix("0x") {
            try self.init(hex: rest)
        } else if trimmed.count % 2 == 0, !trimmed.isEmpty, trimmed.allSatisfy(\.isHexDigit) {
            try self.init(hex: trimmed)
        } else {
            try self.init(base32: trimmed)
        }
    }

    public var count: Int { bytes.count }
    public var hex: String { Hex.encode(bytes) }
    public var base32: String { Base32.encode(bytes, padding: false) }

    public var description: String { "Secret(\(bytes.count) bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["byteCount": bytes.count]) }

    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    func droppingPrefix(_ prefix: String) -> String? {
        guard lowercased().hasPrefix(prefix) else { return nil }
        return String(dropFirst(prefix.count))
    }
}
