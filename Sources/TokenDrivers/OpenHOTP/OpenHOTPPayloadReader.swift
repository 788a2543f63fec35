/// Reads big-endian fields from a reply payload; running out is a malformed reply.
struct OpenHOTPPayloadReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() throws(OpenHOTPError) -> UInt8 { try bytes(1)[0] }

    mutating func uint16() throws(OpenHOTPError) -> UInt16 {
        try bytes(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func uint32() throws(OpenHOTPError) -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64() throws(OpenHOTPError) -> UInt64 {
        try bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func bytes(_ count: Int) throws(OpenHOTPError) -> [UInt8] {
        guard count >= 0, position + count <= bytes.count else {
            throw .malformedReply("the reply payload is too short")
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }
}
