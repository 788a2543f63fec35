import Foundation

/// Firmware-spec/OpenHOTP/vectors.json, as both the emulator's and the driver's tests read it.
public struct OpenHOTPVectorFile: Decodable, Sendable {
    public let protocolName: String
    public let vectors: [OpenHOTPVector]

    enum CodingKeys: String, CodingKey { case protocolName = "protocol", vectors }

    public static func load() throws -> OpenHOTPVectorFile {
        let url = ProjectPaths.root.appendingPathComponent("Firmware-spec/OpenHOTP/vectors.json")
        return try JSONDecoder().decode(OpenHOTPVectorFile.self, from: Data(contentsOf: url))
    }
}

public struct OpenHOTPVector: Decodable, Sendable {
    public let name: String
    public let description: String
    public let state: VectorState
    public let steps: [Step]
    public let finalState: VectorState
    public let host: HostOperation?

    public struct Step: Decodable, Sendable {
        public let request: String?
        public let press: Bool?
        public let reply: String
    }
}

public struct VectorState: Decodable, Sendable, Equatable {
    public let serial: UInt32
    public let pin: String?
    public let pinRetries: Int
    public let adminSession: Bool
    public let slots: [VectorSlot?]
}

public struct VectorSlot: Decodable, Sendable, Equatable {
    public let algorithm: String
    public let digits: Int
    public let counter: UInt64
    public let name: String
    public let touch: Bool
    public let secret: String
}

/// The host operation that produces a vector's requests, with its arguments, result or error.
public struct HostOperation: Decodable, Sendable {
    public let operation: String
    public let slot: Int?
    public let secret: String?
    public let algorithm: String?
    public let digits: Int?
    public let counter: UInt64?
    public let name: String?
    public let touch: Bool?
    public let pin: String?
    public let current: String?
    public let new: String?
    public let result: [String: JSONValue]?
    public let error: [String: JSONValue]?
}

/// Just enough JSON to compare results loosely typed.
public enum JSONValue: Decodable, Sendable, Equatable {
    case bool(Bool), number(Double), string(String), null

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var int: Int? { if case .number(let value) = self { Int(value) } else { nil } }

}

public func bytes(fromHex text: String) -> [UInt8] {
    var result: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    while let high = iterator.next(), let low = iterator.next() { result.append(nibble(high) << 4 | nibble(low)) }
    return result
}
