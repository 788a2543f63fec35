/// Appends and reads the big-endian integers of the USB/IP wire format.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func put(_ raw: [UInt8]) { bytes += raw }

    /// A fixed-size text field, NUL padded (and truncated if longer).
    public mutating func putPadded(_ text: String, size: Int) {
        let utf8 = Array(text.utf8.prefix(size - 1))
        bytes += utf8 + [UInt8](repeating: 0, count: size - utf8.count)
    }
}

public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var position: Int

    public init<C: Collection<UInt8>>(_ bytes: C) {
        self.bytes = Array(bytes)
        self.position = 0
    }

    public var remaining: Int { bytes.count - position }

    public mutating func get<T: FixedWidthInteger>(_: T.Type = T.self) throws(USBIPError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated }
        var value: T = 0
        for byte in bytes[position..<(position + size)] { value = value << 8 | T(byte) }
        position += size
        return value
    }

    public mutating func get(count: Int) throws(USBIPError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A NUL-padded text field.
    public mutating func getPadded(size: Int) throws(USBIPError) -> String {
        let raw = try get(count: size)
        return String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

public enum USBIPError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated
    case unsupportedVersion(UInt16)
    case unknownOperation(UInt16)
    case unknownCommand(UInt32)
    case invalidLength(Int32)
    case isochronousUnsupported

    public var description: String {
        switch self {
        case .truncated: "truncated USB/IP message"
        case .unsupportedVersion(let version): "USB/IP version mismatch (0x\(String(version, radix: 16)), expected 0x0111)"
        case .unknownOperation(let code): "unknown USB/IP operation 0x\(String(code, radix: 16))"
        case .unknownCommand(let command): "unknown USB/IP command \(command)"
        case .invalidLength(let length): "invalid USB/IP transfer length \(length)"
        case .isochronousUnsupported: "isochronous transfers are not supported"
        }
    }
}
