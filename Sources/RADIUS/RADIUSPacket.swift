/// A RADIUS packet: Code(1) Identifier(1) Length(2) Authenticator(16) Attributes (RFC 2865 section 3).
///
/// Decoding is strict and bounded: a datagram of 20...4,096 bytes, a Length field of 20...4,096 that the datagram
/// covers (bytes past it are padding and ignored), attributes of length >= 2 whose walk ends exactly at Length, and
/// a known code. Every input either decodes or throws a `RADIUSDecodingError`; none traps. Encoding a decoded packet
/// gives back exactly its first Length bytes.
public struct RADIUSPacket: Sendable, Equatable {
    public static let headerLength = 20
    public static let maximumLength = 4096
    public static let authenticatorLength = 16

    public var code: RADIUSCode
    public var identifier: UInt8
    /// The Request Authenticator of a request, the Response Authenticator of a reply: always 16 bytes.
    public private(set) var authenticator: [UInt8]
    public var attributes: [RADIUSAttribute]

    public init(code: RADIUSCode, identifier: UInt8, authenticator: [UInt8], attributes: [RADIUSAttribute] = [])
        throws(RADIUSEncodingError) {
        guard authenticator.count == Self.authenticatorLength else { throw .badAuthenticatorLength(authenticator.count) }
        self.code = code
        self.identifier = identifier
        self.authenticator = authenticator
        self.attributes = attributes
    }

    /// Decodes one datagram.
    public init(decoding datagram: [UInt8]) throws(RADIUSDecodingError) {
        try self.init(decoding: datagram[...])
    }

    public init(decoding datagram: ArraySlice<UInt8>) throws(RADIUSDecodingError) {
        let base = datagram.startIndex
        guard datagram.count >= Self.headerLength else { throw .datagramTooShort(count: datagram.count) }
        guard datagram.count <= Self.maximumLength else { throw .datagramTooLong(count: datagram.count) }
        let length = Int(datagram[base + 2]) << 8 | Int(datagram[base + 3])
        guard (Self.headerLength...Self.maximumLength).contains(length) else { throw .lengthFieldOutOfRange(length: length) }
        guard length <= datagram.count else { throw .lengthExceedsDatagram(length: length, datagram: datagram.count) }
        guard let code = RADIUSCode(rawValue: datagram[base]) else { throw .unknownCode(datagram[base]) }

        var attributes: [RADIUSAttribute] = []
        var offset = Self.headerLength
        while offset < length {
            guard offset + 2 <= length else { throw .attributeLengthTooSmall(offset: offset) }
            let attributeLength = Int(datagram[base + offset + 1])
            guard attributeLength >= 2 else { throw .attributeLengthTooSmall(offset: offset) }
            guard offset + attributeLength <= length else { throw .attributeOverrunsPacket(offset: offset) }
            let value = Array(datagram[(base + offset + 2)..<(base + offset + attributeLength)])
            attributes.append(RADIUSAttribute(unchecked: RADIUSAttributeType(rawValue: datagram[base + offset]), value: value))
            offset += attributeLength
        }
        self.code = code
        self.identifier = datagram[base + 1]
        self.authenticator = Array(datagram[(base + 4)..<(base + 20)])
        self.attributes = attributes
    }

    /// The packet's length on the wire.
    public var length: Int {
        attributes.reduce(Self.headerLength) { $0 + 2 + $1.value.count }
    }

    /// The wire bytes.
    public func encoded() throws(RADIUSEncodingError) -> [UInt8] {
        try encoded(authenticator: authenticator)
    }

    /// The wire bytes with another value in the Authenticator field (for computing authenticators of replies).
    func encoded(authenticator: [UInt8]) throws(RADIUSEncodingError) -> [UInt8] {
        let length = self.length
        guard length <= Self.maximumLength else { throw .packetTooLong(length: length) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        bytes += [code.rawValue, identifier, UInt8(length >> 8), UInt8(length & 0xFF)]
        bytes += authenticator
        for attribute in attributes {
            bytes += [attribute.type.rawValue, UInt8(attribute.value.count + 2)]
            bytes += attribute.value
        }
        return bytes
    }

    /// The values of every attribute of `type`, in packet order.
    public func values(of type: RADIUSAttributeType) -> [[UInt8]] {
        attributes.filter { $0.type == type }.map(\.value)
    }

    /// The value of the only attribute of `type`; nil when there is none, `.repeated` when there are several.
    public func singleValue(of type: RADIUSAttributeType) -> RADIUSSingleValue {
        let values = self.values(of: type)
        switch values.count {
        case 0: return .absent
        case 1: return .present(values[0])
        default: return .repeated
        }
    }
}

/// An attribute that may appear at most once.
public enum RADIUSSingleValue: Sendable, Equatable {
    case absent
    case present([UInt8])
    case repeated
}
