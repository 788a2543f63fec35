import Foundation
import OTPCore

/// Reads any seed file otpkit knows, telling the formats apart by their content.
public enum SeedFile {
    public enum Format: String, Sendable, CaseIterable {
        case pskc, csv, json
    }

    /// How to open an encrypted PSKC file.
    public struct Credentials: Sendable {
        public var preSharedKey: [UInt8]?
        public var password: String?

        public init(preSharedKey: [UInt8]? = nil, password: String? = nil) {
            self.preSharedKey = preSharedKey
            self.password = password
        }
    }

    public static func detect(_ data: [UInt8]) -> Format? {
        guard let first = data.drop(while: { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }).first else { return nil }
        switch first {
        case UInt8(ascii: "<"): return .pskc
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "#"): return .csv
        default: return nil
        }
    }

    public static func read(_ data: [UInt8], format: Format? = nil, credentials: Credentials = .init()) throws(SeedFormatError) -> [SeedRecord] {
        guard let format = format ?? detect(data) else { throw .unrecognised }
        switch format {
        case .csv:
            guard let text = String(validating: data, as: UTF8.self) else { throw .badCSV(line: 1, reason: "not UTF-8 text") }
            return try YubicoCSV.parse(text)
        case .json:
            return try readJSON(data)
        case .pskc:
            return try PSKC.read(data, credentials: credentials)
        }
    }

    /// One seed record (as `otpkit program --seed-file` writes it) or an array of them.
    static func readJSON(_ data: [UInt8]) throws(SeedFormatError) -> [SeedRecord] {
        let decoder = JSONDecoder()
        do {
            if data.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }).first == UInt8(ascii: "[") {
                return try decoder.decode([SeedRecord].self, from: Data(data))
            }
            return [try decoder.decode(SeedRecord.self, from: Data(data))]
        } catch let error as DecodingError {
            throw .badJSON(describe(error))
        } catch {
            throw .badJSON("\(type(of: error))")
        }
    }

    /// A decoding error in words, without the values (a value may be a secret).
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: "unreadable"
        }
    }
}
