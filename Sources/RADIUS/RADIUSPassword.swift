import OTPCore
/// A password as a RADIUS client sent it (a User-Password after de-obfuscation): bytes that never appear in
/// `description`, `dump` or interpolation. Equality is constant-time.
public struct RADIUSPassword: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// RFC 2865 5.2: at most 128 bytes.
    public static let maximumLength = 128

    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(RADIUSPasswordError) {
        guard bytes.count <= Self.maximumLength else { throw .tooLong }
        self.bytes = bytes
    }

    public init(_ text: String) throws(RADIUSPasswordError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// The password as UTF-8 text (a PIN followed by a code), or nil when it is not valid UTF-8.
    public var text: String? {
        String(validating: bytes, as: UTF8.self)
    }

    public var description: String { "RADIUSPassword(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }

    public static func == (lhs: RADIUSPassword, rhs: RADIUSPassword) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }
}

/// Why a User-Password cannot be hidden or revealed.
public enum RADIUSPasswordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A password over 128 bytes.
    case tooLong
    /// A hidden value that is empty, not a multiple of 16 bytes, or over 128 bytes.
    case badHiddenLength(Int)

    public var description: String {
        switch self {
        case .tooLong: "the password is longer than 128 bytes"
        case .badHiddenLength(let count): "a User-Password of \(count) bytes (a multiple of 16 up to 128 expected)"
        }
    }
}
