import ArgumentParser
import Foundation
import OTPCore
import TokenDrivers

struct ProgramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Program an HOTP secret into a slot.",
        discussion: """
        The secret is given with --secret (hex or base32; prefix hex: or base32: to be explicit; '-' reads it \
        from standard input, which keeps it out of the process list) or made by the token host with --generate. \
        The token stores the slot atomically: a failed write leaves the old slot as it was. The slot is read back \
        afterwards and compared with what was asked.

        A generated secret is printed once, as the seed record a verification server needs, unless --seed-file \
        names a file (written with mode 0600) to receive it instead.
        """)

    @OptionGroup var target: DeviceOptions
    @OptionGroup var slotOption: SlotOption
    @OptionGroup var pinOptions: PINOptions

    @Option(name: .long, help: ArgumentHelp("The secret in hex or base32, or - to read it from standard input.", valueName: "secret"))
    var secret: String?

    @Flag(name: .long, help: "Generate a random secret (see --secret-bytes).")
    var generate = false

    @Option(name: .long, help: "Length of a generated secret in bytes (16 to 64).")
    var secretBytes = 20

    @Option(name: .long, help: "Code length, 6 to 10.")
    var digits = 6

    @Option(name: .long, help: "HMAC algorithm: SHA1, SHA256 or SHA512.")
    var algorithm = "SHA1"

    @Option(name: .long, help: "Initial counter (moving factor).")
    var counter: UInt64 = 0

    @Option(name: .long, help: "A label for the slot, up to 32 bytes.")
    var name = ""

    @Flag(name: .long, help: "Require a press of the button for each code.")
    var touch = false

    @Flag(name: .long, help: "Overwrite a slot that is already programmed.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Write the seed record here (mode 0600) instead of printing a generated secret.", valueName: "path"))
    var seedFile: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard generate != (secret != nil) else { throw ValidationError("give exactly one of --secret and --generate") }
        guard OTPDigits.allowed.contains(digits) else { throw ValidationError("--digits must be between 6 and 10") }
        guard OTPAlgorithm(name: algorithm) != nil else { throw ValidationError("--algorithm must be SHA1, SHA256 or SHA512") }
        guard (OpenHOTPDriver.minSecretLength...OpenHOTPDriver.maxSecretLength).contains(secretBytes) else {
            throw ValidationError("--secret-bytes must be between 16 and 64")
        }
        guard name.utf8.count <= OpenHOTPDriver.maxNameLength else { throw ValidationError("--name is longer than 32 bytes") }
    }

    func run() throws {
        try reportingFailures {
            let key = try readSecret()
            guard (OpenHOTPDriver.minSecretLength...OpenHOTPDriver.maxSecretLength).contains(key.count) else {
                throw CLIFailure("the secret is \(key.count) bytes; OpenHOTP tokens take 16 to 64 bytes", code: .usage)
            }
            let configuration = OpenHOTPSlotConfiguration(
                secret: key, algorithm: OTPAlgorithm(name: algorithm)!, digits: digits, counter: counter, name: name, touch: touch)
            let token = try target.open()
            let slot = slotOption.slot
            if let pin = pinOptions.effectivePIN { try token.driver.verifyPIN(pin) }
            let before = try token.driver.readSlot(slot)
            if before.programmed && !force {
                throw CLIFailure("slot \(slot) of token \(token.serial) is programmed already; add --force to overwrite it", code: .refused)
            }
            try token.driver.writeSlot(slot, configuration)
            let after = try token.driver.readSlot(slot)
            guard after.programmed, after.algorithm == configuration.algorithm, after.digits == digits,
                  after.counter == counter, after.name == name, after.touch == touch else {
                throw CLIFailure("the token reports slot \(slot) differently from what was written: \(describe(after))", code: .protocolError)
            }
            let record = SeedRecord(serial: token.serial, slot: slot, family: "OpenHOTP", algorithm: configuration.algorithm,
                                    digits: digits, counter: counter, secret: key)
            if let seedFile { try write(record, to: seedFile) }
            let showSecret = generate && seedFile == nil
            if json {
                try printJSON(ProgramReport(address: token.address.description, slot: after,
                                            seed: showSecret ? record : nil, seedFile: seedFile))
                return
            }
            print("Programmed slot \(slot) of token \(token.serial) (\(token.address)): \(summary(after))")
            if showSecret {
                print("Seed record (hand it to the verification server, then discard it):")
                try printJSON(record)
                print(record.otpauthURI.uriString)
            } else if let seedFile {
                print("Seed record written to \(seedFile).")
            }
        }
    }

    struct ProgramReport: Encodable {
        let address: String
        let slot: OpenHOTPSlotInfo
        let seed: SeedRecord?
        let seedFile: String?
    }

    private func readSecret() throws -> Secret {
        if generate { return Secret.random(byteCount: secretBytes) }
        var text = secret ?? ""
        if text == "-" {
            guard let line = readLine(strippingNewline: true) else { throw CLIFailure("no secret on standard input", code: .usage) }
            text = line
        }
        return try Secret(parsing: text)
    }

    private func write(_ record: SeedRecord, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(record)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CLIFailure("cannot write the seed record to \(path); the token is programmed, so its secret is now lost: "
                             + "program it again with --force", code: .refused)
        }
    }
}
