import Foundation
import OTPCore
import PrivateFiles
import SeedFormats

/// Writes seed records for a verification server: encrypted PSKC (a pre-shared key or a password is required),
/// Yubico CSV (only what CSV can hold) or seed JSON; the file is private (0600) and replaced atomically.
enum SeedExport {
    static let formats = ["pskc", "csv", "json"]

    /// Refuses a format or missing credentials before any work is done (a batch checks this before its first token).
    static func check(format: String, credentials: SeedFile.Credentials) throws {
        guard formats.contains(format) else { throw CLIFailure("--format must be pskc, csv or json", code: .usage) }
        if format == "pskc" && credentials.preSharedKey == nil && credentials.password == nil {
            throw CLIFailure("an unencrypted PSKC export needs --format json or csv; give --psk or --password-file", code: .usage)
        }
    }

    static func write(_ records: [SeedRecord], format: String, credentials: SeedFile.Credentials, to path: String) throws {
        try check(format: format, credentials: credentials)
        let text: String
        switch format {
        case "pskc":
            let protection: PSKC.Protection = credentials.preSharedKey.map { .preSharedKey($0) } ?? .password(credentials.password!)
            text = try PSKC.write(records, protection: protection)
        case "csv":
            // The CSV carries only SHA-1, 6-digit HOTP: anything else would come back as a token that never verifies.
            let unfit = records.filter { $0.period != nil || $0.digits != 6 || $0.algorithm != .sha1 }.map(\.tokenID)
            guard unfit.isEmpty else {
                throw CLIFailure("Yubico CSV holds only 6-digit SHA1 HOTP; use --format pskc for \(unfit.joined(separator: ", "))", code: .usage)
            }
            text = YubicoCSV.write(records, timestamp: ISO8601DateFormatter().string(from: Date()))
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            text = String(decoding: try encoder.encode(records), as: UTF8.self) + "\n"
        default:
            preconditionFailure("checked above")
        }
        do { try PrivateFile.write(Array(text.utf8), to: path) } catch { throw CLIFailure("\(error)", code: .refused) }
    }
}
