/// Why a datagram is not a RADIUS packet otpkit accepts. The server drops such datagrams silently and counts them
/// by `category`.
public enum RADIUSDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than 20 bytes: not even a header.
    case datagramTooShort(count: Int)
    /// More than 4,096 bytes (RFC 2865 section 3's maximum).
    case datagramTooLong(count: Int)
    /// The Length field is below 20 or above 4,096.
    case lengthFieldOutOfRange(length: Int)
    /// The Length field claims more bytes than the datagram holds.
    case lengthExceedsDatagram(length: Int, datagram: Int)
    /// A code otpkit does not serve (accounting, CoA, ...).
    case unknownCode(UInt8)
    /// An attribute's Length octet is 0 or 1, or only its Type octet fits before the packet ends.
    case attributeLengthTooSmall(offset: Int)
    /// An attribute reaches past the packet's Length.
    case attributeOverrunsPacket(offset: Int)

    /// The three kinds a server counts separately.
    public enum Category: String, Sendable {
        case malformed
        case unknownCode = "unknown_code"
        case tooLong = "too_long"
    }

    public var category: Category {
        switch self {
        case .datagramTooLong: .tooLong
        case .unknownCode: .unknownCode
        default: .malformed
        }
    }

    public var description: String {
        switch self {
        case .datagramTooShort(let count): "datagram of \(count) bytes is shorter than a RADIUS header"
        case .datagramTooLong(let count): "datagram of \(count) bytes exceeds 4096"
        case .lengthFieldOutOfRange(let length): "Length field \(length) is outside 20...4096"
        case .lengthExceedsDatagram(let length, let datagram): "Length field \(length) exceeds the datagram's \(datagram) bytes"
        case .unknownCode(let code): "unknown packet code \(code)"
        case .attributeLengthTooSmall(let offset): "attribute at offset \(offset) has a length below 2"
        case .attributeOverrunsPacket(let offset): "attribute at offset \(offset) reaches past the packet's end"
        }
    }
}

/// Why a packet or attribute cannot be encoded.
public enum RADIUSEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value longer than 253 bytes.
    case attributeTooLong(type: UInt8)
    /// The whole packet would exceed 4,096 bytes.
    case packetTooLong(length: Int)
    /// A reply was asked for with a code that is not Accept, Reject or Challenge.
    case notAReplyCode(RADIUSCode)
    /// A Request Authenticator that is not 16 bytes.
    case badAuthenticatorLength(Int)

    public var description: String {
        switch self {
        case .attributeTooLong(let type): "attribute \(type) holds more than 253 bytes"
        case .packetTooLong(let length): "packet of \(length) bytes exceeds 4096"
        case .notAReplyCode(let code): "\(code) is not a reply code"
        case .badAuthenticatorLength(let count): "authenticator of \(count) bytes (16 expected)"
        }
    }
}
