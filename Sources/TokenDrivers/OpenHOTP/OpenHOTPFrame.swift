import Checksums

/// One 64-byte OpenHOTP frame (Firmware-spec/OpenHOTP, section 2), as the host encodes requests and decodes replies.
public struct OpenHOTPFrame: Equatable, Sendable {
    public static let size = 64
    public static let maxPayload = 56
    static let crcOffset = 60

    public var command: UInt8
    public var sequence: UInt8
    /// Reserved (0) in a request, the status in a reply.
    public var statusByte: UInt8
    public var payload: [UInt8]

    public init(command: UInt8, sequence: UInt8, statusByte: UInt8 = 0, payload: [UInt8] = []) {
        self.command = command
        self.sequence = sequence
        self.statusByte = statusByte
        self.payload = payload
    }

    public func encoded() -> [UInt8] {
        precondition(payload.count <= Self.maxPayload, "payload longer than a frame")
        var bytes = [command, sequence, statusByte, UInt8(payload.count)] + payload
        bytes += [UInt8](repeating: 0, count: Self.crcOffset - bytes.count)
        let crc = CRC32.checksum(bytes)
        bytes += [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)]
        return bytes
    }

    public enum DecodingError: Error, Equatable, Sendable {
        case wrongSize(Int)
        case badCRC
        case badLength(Int)
        case nonZeroPadding
    }

    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count == Self.size else { throw .wrongSize(bytes.count) }
        let stored = UInt32(bytes[60]) | UInt32(bytes[61]) << 8 | UInt32(bytes[62]) << 16 | UInt32(bytes[63]) << 24
        guard CRC32.checksum(bytes[0..<Self.crcOffset]) == stored else { throw .badCRC }
        let length = Int(bytes[3])
        guard length <= Self.maxPayload else { throw .badLength(length) }
        guard bytes[(4 + length)..<Self.crcOffset].allSatisfy({ $0 == 0 }) else { throw .nonZeroPadding }
        self.init(command: bytes[0], sequence: bytes[1], statusByte: bytes[2], payload: Array(bytes[4..<(4 + length)]))
    }
}
