/// The secret a RADIUS client and server share. It never appears in `description`, `dump` or interpolation.
public struct RADIUSSharedSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Longest secret accepted (FreeRADIUS allows far less in practice; this only bounds hashing work).
    public static let maximumLength = 1024

    public enum Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case tooLong

        public var description: String {
            switch self {
            case .empty: "the shared secret is empty"
            case .tooLong: "the shared secret is longer than \(RADIUSSharedSecret.maximumLength) bytes"
            }
        }
    }

    /// The raw bytes; read them only to hash.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(Error) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumLength else { throw .tooLong }
        self.bytes = bytes
    }

    /// The secret as typed into a NAS or a `clients.conf` (its UTF-8 bytes).
    public init(_ text: String) throws(Error) {
        try self.init(bytes: Array(text.utf8))
    }

    public var description: String { "RADIUSSharedSecret(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
