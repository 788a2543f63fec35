import Foundation
import OTPCore
import PrivateFiles

/// Writes seed records for a verification server: encrypted PSKC, Yubico CSV (only what CSV can hold) or seed JSON;
/// the file is private (0600) and replaced atomically.
public enum SeedExport {
    /// Refuses missing credentials before any work is done (a batch checks this before its first token).
    public static func check(_ format: SeedExportFormat, credentials: SeedFile.Credentials) throws(SeedExportError) {
        if format == .pskc && credentials.preSharedKey == nil && credentials.password == nil { throw .pskcNeedsProtection }
    }

    /// The file's text, without writing it.
    public static func render(_ records: [SeedRecord], as format: SeedExportFormat,
                              credentials: SeedFile.Credentials) throws(SeedExportError) -> String {
        try check(format, credentials: credentials)
        switch format {
        case .pskc:
            let protection: PSKC.Protection = credentials.preSharedKey.map { .preSharedKey($0) } ?? .password(credentials.password ?? "")
            do { return try PSKC.write(records, protection: protection) } catch { throw .format(error) }
        case .csv:
            // The CSV carries only SHA-1, 6-digit HOTP: anything else would come back as a token that never verifies.
            let unfit = records.filter { $0.period != nil || $0.digits != 6 || $0.algorithm != .sha1 }.map(\.tokenID)
            guard unfit.isEmpty else { throw .unfitForCSV(unfit) }
            return YubicoCSV.write(records, timestamp: ISO8601DateFormatter().string(from: Date()))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let data = try? encoder.encode(records) else { throw .unwritable("cannot encode the seed records") }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// Renders and writes the file (mode 0600, atomically replaced).
    public static func write(_ records: [SeedRecord], as format: SeedExportFormat, credentials: SeedFile.Credentials,
                             to path: String) throws(SeedExportError) {
        let text = try render(records, as: format, credentials: credentials)
        do { try PrivateFile.write(Array(text.utf8), to: path) } catch { throw .unwritable(error.description) }
    }
}
