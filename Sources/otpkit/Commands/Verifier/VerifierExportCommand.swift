import ArgumentParser
import Foundation
import PrivateFiles
import OTPCore
import SeedFormats
import Verifier

struct VerifierExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export tokens with their secrets, for another verifier: encrypted PSKC by default.",
        discussion: "The file carries the secrets: protect it with --psk or --password-file (PSKC), or choose --format csv/json knowingly. It is written with mode 0600.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var credentialOptions: SeedFileCredentialOptions
    @Option(name: .long, help: "pskc, csv or json.") var format = "pskc"
    @Option(name: .long, help: ArgumentHelp("Where to write.", valueName: "path")) var out: String

    func run() throws {
        try reportingFailures {
            let verifier = try verifier.open()
            let records = try verifier.store.allTokens().map { token throws(VerifierError) in
                SeedRecord(serial: token.id, issuer: token.issuer, algorithm: token.algorithm, digits: token.digits,
                           counter: token.counter, period: { if case .totp(let period) = token.kind { period } else { nil } }(),
                           secret: try verifier.keyring.open(token.sealedSecret, tokenID: token.id))
            }
            let credentials = try credentialOptions.credentials()
            let text: String
            switch format {
            case "pskc":
                let protection: PSKC.Protection
                if let key = credentials.preSharedKey { protection = .preSharedKey(key) }
                else if let password = credentials.password { protection = .password(password) }
                else { throw CLIFailure("an unencrypted PSKC export needs --format json or csv; give --psk or --password-file", code: .usage) }
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
                throw CLIFailure("--format must be pskc, csv or json", code: .usage)
            }
            do { try PrivateFile.write(Array(text.utf8), to: out) } catch { throw CLIFailure("\(error)", code: .refused) }
            print("Exported \(records.count) tokens to \(out).")
        }
    }
}
