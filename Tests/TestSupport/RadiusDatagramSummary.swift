/// What a test needs to know about a RADIUS packet it caught (RFC 2865 section 3: code, identifier, length,
/// authenticator, then type-length-value attributes). Only for looking at what peers send; it reads no further than
/// the packet's own Length field and the 4,096 bytes RADIUS allows, and stops at the first attribute that lies.
public struct RadiusDatagramSummary: Sendable {
    public static let userName: UInt8 = 1
    public static let proxyState: UInt8 = 33
    public static let messageAuthenticator: UInt8 = 80

    public let code: UInt8
    public let identifier: UInt8
    /// The attributes in packet order: type and value.
    public let attributes: [(type: UInt8, value: [UInt8])]
    /// False when an attribute's length ran past the packet (the list above ends before it).
    public let wellFormed: Bool

    /// Nil for anything shorter than a RADIUS header or with a Length field outside 20...4096 or past the datagram.
    public init?(_ datagram: [UInt8]) {
        guard datagram.count >= 20 else { return nil }
        let length = Int(datagram[2]) << 8 | Int(datagram[3])
        guard (20...4096).contains(length), length <= datagram.count else { return nil }
        code = datagram[0]
        identifier = datagram[1]
        var found: [(type: UInt8, value: [UInt8])] = []
        var offset = 20
        var intact = true
        while offset < length {
            guard offset + 2 <= length, datagram[offset + 1] >= 2, offset + Int(datagram[offset + 1]) <= length else {
                intact = false
                break
            }
            let end = offset + Int(datagram[offset + 1])
            found.append((datagram[offset], Array(datagram[(offset + 2)..<end])))
            offset = end
        }
        attributes = found
        wellFormed = intact
    }

    public var attributeTypes: [UInt8] { attributes.map(\.type) }

    public func has(_ type: UInt8) -> Bool { attributes.contains { $0.type == type } }

    /// The first attribute of `type` as text (User-Name, Reply-Message).
    public func text(_ type: UInt8) -> String? {
        attributes.first { $0.type == type }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
