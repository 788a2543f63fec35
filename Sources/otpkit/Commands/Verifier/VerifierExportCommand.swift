import ArgumentParser
import Foundation
import PrivateFiles
import OTPCore
import SeedFormats
import Verification

struct VerifierExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export tokens with their secrets, for another verifier: encrypted PSKC by default.",
        discussion: "The file carries the secrets: protect it with --psk or --password-file (PSKC), or choose --format csv/json knowingly. It is written with mode 0600.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var credentialOptions: SeedFileCredentialOptions
    @Option(name: .long, help: "The file's format.") var format: SeedExportFormat = .pskc
    @Option(name: .long, help: ArgumentHelp("Where to write.", valueName: "path")) var out: String

    func run() async throws {
        try await reportingFailures {
            let verifier = try await verifier.open()
            let records = try await verifier.administration.tokens().map { token throws(VerifierError) in
                SeedRecord(serial: token.id, issuer: token.issuer, algorithm: token.algorithm, digits: token.digits,
                           counter: token.counter, period: { if case .totp(let period) = token.kind { period } else { nil } }(),
                           timeDrift: token.kind == .hotp ? nil : token.timeDrift, user: token.user, secret: try verifier.keyring.opened(token.sealedSecret, tokenID: token.id))
            }
            try SeedExport.write(records, as: format, credentials: try credentialOptions.credentials(), to: out)
            print("Exported \(counted(records.count, "token")) to \(out).")
        }
    }
}
