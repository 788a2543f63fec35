import ArgumentParser
import Foundation
import OTPCore
import SeedFormats
import Verification

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

extension SeedFormatError.Wording {
    /// How the command line supplies what a seed-file refusal asks for.
    static let commandLine = SeedFormatError.Wording(
        password: "the password with --password-file PATH or OTPKIT_PSKC_PASSWORD",
        preSharedKey: "the key with --psk HEX",
        allowMissingMAC: "import with --allow-missing-mac")
}

extension CLIFailure {
    /// A seed-file refusal in the command line's words (exit 64, as any bad input).
    init(seedFile error: SeedFormatError) {
        self.init(error.message(naming: .commandLine), code: .usage)
    }
}

struct VerifierImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import tokens from a seed file: PSKC (plain or encrypted), Yubico CSV or otpkit seed JSON.",
        discussion: "The format is recognised from the content. All tokens are imported in one transaction: a bad record, a file cut short or a duplicate id imports nothing. Entries otpkit cannot verify (a PSKC PIN key, a Yubico OTP or static password line) are skipped and listed. The PSKC password may also come from OTPKIT_PSKC_PASSWORD.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var credentialOptions: SeedFileCredentialOptions
    @Flag(name: .long, help: "Accept encrypted PSKC secrets that carry no MAC (only for senders whose files have none: without a MAC a wrong key imports garbage unnoticed).")
    var allowMissingMAC = false
    @Flag(name: .long, help: "Print JSON: `imported` (token ids), `assigned` (token id to user) and `skipped` (the entries left out).")
    var json = false
    @Argument(help: "The seed file, or - for standard input.") var file: String

    /// What --json prints.
    struct Report: Encodable {
        let imported: [String]
        let assigned: [String: String]
        let skipped: [String]
    }

    func run() async throws {
        try await reportingFailures {
            let data = try readSeedFile(file)
            var credentials = try credentialOptions.credentials()
            credentials.allowMissingMAC = allowMissingMAC
            let contents: SeedFile.Contents
            do throws(SeedFormatError) {
                contents = try SeedFile.readContents(data, credentials: credentials)
            } catch {
                throw CLIFailure(seedFile: error)
            }
            let records = contents.records
            // A file whose every entry was skipped is refused (an empty seed JSON array still imports nothing, fine).
            guard !records.isEmpty || contents.skipped.isEmpty else {
                throw CLIFailure("nothing to import: \(contents.skipped.joined(separator: "; "))", code: .usage)
            }
            // Two entries under one id would otherwise meet as "exists already" in the store, naming neither.
            var ids = Set<String>()
            if let twice = records.first(where: { !ids.insert($0.tokenID).inserted }) {
                throw CLIFailure("the file names token \(twice.tokenID) twice; nothing was imported", code: .usage)
            }
            let verifier = try await verifier.open(creating: .whereNothingIs)
            try await verifier.add(try records.map { try verifier.token(from: $0) })
            if json {
                let assigned = Dictionary(uniqueKeysWithValues: records.compactMap { record in record.user.map { (record.tokenID, $0) } })
                return try printJSON(Report(imported: records.map(\.tokenID), assigned: assigned, skipped: contents.skipped))
            }
            print("Imported \(counted(records.count, "token")): \(records.map(\.tokenID).joined(separator: ", "))")
            let owned = records.compactMap { record in record.user.map { "\(record.tokenID) to \($0)" } }
            if !owned.isEmpty { print("Assigned \(owned.joined(separator: ", ")).") }
            for note in contents.skipped { print("Skipped \(note)") }
        }
    }
}

/// The bytes of a seed file (`-`: standard input), at most one byte past the size limit: a larger input is refused
/// by the reader without being loaded whole.
func readSeedFile(_ file: String) throws -> [UInt8] {
    let handle: FileHandle
    if file == "-" {
        handle = FileHandle.standardInput
    } else {
        guard let opened = FileHandle(forReadingAtPath: file) else { throw CLIFailure("cannot read \(file)", code: .usage) }
        handle = opened
    }
    defer { if file != "-" { try? handle.close() } }
    var bytes: [UInt8] = []
    do {
        while bytes.count <= SeedFile.maximumSize, let chunk = try handle.read(upToCount: SeedFile.maximumSize + 1 - bytes.count),
              !chunk.isEmpty {
            bytes += chunk
        }
    } catch {
        throw CLIFailure("cannot read \(file == "-" ? "standard input" : file): \(error.localizedDescription)", code: .usage)
    }
    return bytes
}
