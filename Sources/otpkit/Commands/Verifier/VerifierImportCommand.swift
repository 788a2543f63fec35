import ArgumentParser
import Foundation
import OTPCore
import SeedFormats
import Verifier

/// How to open an encrypted seed file.
struct SeedFileCredentialOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("PSKC pre-shared AES-128 key, in hex.", valueName: "hex"))
    var psk: String?

    @Option(name: .long, help: ArgumentHelp("A file holding the PSKC password (first line).", valueName: "path"))
    var passwordFile: String?

    func credentials() throws -> SeedFile.Credentials {
        var credentials = SeedFile.Credentials()
        if let psk { credentials.preSharedKey = try Hex.decode(psk) }
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first else {
                throw CLIFailure("cannot read a password from \(passwordFile)", code: .usage)
            }
            credentials.password = String(line)
        } else if let password = nonEmptyEnvironment("OTPKIT_PSKC_PASSWORD") {
            credentials.password = password
        }
        return credentials
    }
}

struct VerifierImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import tokens from a seed file: PSKC (plain or encrypted), Yubico CSV or otpkit seed JSON.",
        discussion: "The format is recognised from the content. All tokens are imported in one transaction: a bad record or a duplicate id imports nothing. The PSKC password may also come from OTPKIT_PSKC_PASSWORD.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var credentialOptions: SeedFileCredentialOptions
    @Argument(help: "The seed file, or - for standard input.") var file: String

    func run() throws {
        try reportingFailures {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw CLIFailure("cannot read \(file)", code: .usage)
                }
                data = contents
            }
            let records = try SeedFile.read(Array(data), credentials: try credentialOptions.credentials())
            let verifier = try verifier.open()
            try verifier.add(try records.map { try verifier.token(from: $0) })
            print("Imported \(records.count) token\(records.count == 1 ? "" : "s"): \(records.map(\.tokenID).joined(separator: ", "))")
        }
    }
}
