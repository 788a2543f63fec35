import Foundation
import OTPCore

/// Reads any seed file otpkit knows, telling the formats apart by their content.
public enum SeedFile {
    public enum Format: String, Sendable, CaseIterable {
        case pskc, csv, json
    }

    /// The largest seed file of any format (see `XMLTree.maximumSize` for why).
    public static let maximumSize = XMLTree.maximumSize

    /// How to open an encrypted PSKC file.
    public struct Credentials: Sendable {
        public var preSharedKey: [UInt8]?
        public var password: String?
        /// Accept encrypted values without a MAC. Off by default: without a MAC a wrong key or password goes
        /// unnoticed about once in 256 tries and imports a garbage secret. Only for senders whose files have none.
        public var allowMissingMAC: Bool

        public init(preSharedKey: [UInt8]? = nil, password: String? = nil, allowMissingMAC: Bool = false) {
            self.preSharedKey = preSharedKey
            self.password = password
            self.allowMissingMAC = allowMissingMAC
        }
    }

    /// What a seed file holds: the records to import, and a note for each entry left out (a PIN key, a Yubico
    /// OTP line...), worded for a person and never carrying secret material.
    public struct Contents: Sendable, Equatable {
        public var records: [SeedRecord]
        public var skipped: [String]

        public init(records: [SeedRecord], skipped: [String] = []) {
            self.records = records
            self.skipped = skipped
        }
    }

    public static func detect(_ data: [UInt8]) -> Format? {
        let start = data.drop(while: { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) })
        guard let first = start.first else { return nil }
        // The Personalization Tool's Traditional log starts with a LOGGING START line or an event type.
        let opening = String(decoding: start.prefix(40), as: UTF8.self)
        if YubicoCSV.traditionalOpenings.contains(where: opening.hasPrefix) { return .csv }
        switch first {
        case UInt8(ascii: "<"): return .pskc
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "#"): return .csv
        default: return nil
        }
    }

    /// The records of a seed file and notes on what it skipped; the caller should show the notes.
    public static func readContents(_ data: [UInt8], format: Format? = nil,
                                    credentials: Credentials = .init()) throws(SeedFormatError) -> Contents {
        guard data.count <= maximumSize else { throw .tooLarge(limit: maximumSize) }
        guard let format = format ?? detect(data) else { throw .unrecognised }
        switch format {
        case .csv:
            guard let text = String(validating: data, as: UTF8.self) else { throw .badCSV(line: 1, reason: "not UTF-8 text") }
            return try YubicoCSV.read(text)
        case .json:
            return Contents(records: try readJSON(data))
        case .pskc:
            return try PSKC.read(data, credentials: credentials)
        }
    }

    /// Only the records of a seed file, for callers that need not report what was skipped.
    public static func read(_ data: [UInt8], format: Format? = nil, credentials: Credentials = .init()) throws(SeedFormatError) -> [SeedRecord] {
        try readContents(data, format: format, credentials: credentials).records
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
            throw .badJSON("unreadable")
        }
    }

    /// The fields whose refusals SeedRecord words itself (never with the value); other decoder messages may quote it.
    private static let ownChecks: Set<String> = ["secretHex", "secretBase32", "timeDrift"]

    /// A decoding error in words, without the values (a value may be a secret).
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                "not JSON"
            } else if let field = context.codingPath.last?.stringValue, ownChecks.contains(field) {
                // SeedRecord's own checks word their reason without the value.
                "bad value at \(context.codingPath.map(\.stringValue).joined(separator: ".")) (\(context.debugDescription))"
            } else {
                "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            }
        @unknown default: "unreadable"
        }
    }
}
