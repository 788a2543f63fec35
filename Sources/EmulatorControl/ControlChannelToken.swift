/// The shared secret a client of a TCP control channel sends as its first line. Any local user can reach a
/// loopback port, and the channel mints codes, so a TCP channel is never opened without one. The secret is never
/// shown: `description` gives only its length.
public struct ControlChannelToken: Sendable, CustomStringConvertible {
    /// Shorter secrets are refused: a client may try again as often as it likes.
    public static let minimumLength = 16
    /// The longest secret taken (a control line's limit).
    public static let maximumLength = EmulatorControlSession.maximumLineLength

    private let bytes: [UInt8]

    /// A token of `text`'s bytes: printable ASCII only (it travels as one line), 16 to 1,024 bytes.
    public init(_ text: String) throws(ControlError) {
        let bytes = Array(text.utf8)
        guard bytes.count >= Self.minimumLength else {
            throw .badRequest("a control token needs at least \(Self.minimumLength) characters (it has \(bytes.count))")
        }
        guard bytes.count <= Self.maximumLength else {
            throw .badRequest("a control token may hold at most \(Self.maximumLength) characters")
        }
        guard bytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw .badRequest("a control token is printable ASCII without spaces (one line)")
        }
        self.bytes = bytes
    }

    /// Whether `line` (the client's first line, its "\r\n" or "\n" removed) is this token. The time taken depends
    /// on the line's length only, never on where it differs from the token.
    public func matches(_ line: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: line.count ^ bytes.count) | (line.count == bytes.count ? 0 : 1)
        var index = 0
        for byte in line {
            difference |= byte ^ bytes[index % bytes.count]
            index += 1
        }
        return difference == 0
    }

    public var description: String { "a control token of \(bytes.count) characters" }
}
