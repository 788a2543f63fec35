import ArgumentParser
import Foundation
import PrivateFiles
import OTPCore
import TokenDrivers

struct ProgramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Program an HOTP secret into a slot.",
        discussion: """
        OpenHOTP tokens take 16 to 64-byte secrets with SHA1/256/512, 6 to 10 digits, any counter, a name and a touch \
        policy. YubiKeys take OATH-HOTP in slot 1 or 2: a 20-byte SHA1 secret, 6 or 8 digits, a moving factor in \
        steps of 16, and an optional access code (--access-code for the current one, --new-access-code to set one).

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

    @OptionGroup var accessCodeOptions: AccessCodeOptions

    @Option(name: .long, help: ArgumentHelp("YubiKey: protect the slot with this access code from now on (12 hex digits).", valueName: "hex"))
    var newAccessCode: String?

    @Flag(name: .long, help: "YubiKey: round --counter down to a multiple of 16 (the key stores the moving factor / 16) instead of refusing it.")
    var roundIMF = false

    @Flag(name: .long, help: "YubiKey: type Enter after each code.")
    var appendEnter = false

    @Option(name: .long, help: ArgumentHelp("YubiKey: a token identifier typed before each code, in hex (OMP, TT and MUI bytes, up to 16).", valueName: "hex"))
    var tokenID: String?

    @Flag(name: .long, help: "YubiKey: type the token identifier in modhex (OATH_FIXED_MODHEX).")
    var tokenIDModhex = false

    @Flag(name: .long, help: "YubiKey: let host software read the serial number (SERIAL_API_VISIBLE).")
    var serialVisible = false

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
            let device = try target.open()
            let (record, slotSummary) = try program(device, secret: key)
            if let seedFile { try write(record, to: seedFile) }
            let showSecret = generate && seedFile == nil
            if json {
                try printJSON(ProgramReport(address: device.address.description, slot: record.slot ?? 0, summary: slotSummary,
                                            seed: showSecret ? record : nil, seedFile: seedFile))
                return
            }
            print("Programmed slot \(record.slot ?? 0) of token \(device.serial) (\(device.address)): \(slotSummary)")
            if showSecret {
                print("Seed record (hand it to the verification server, then discard it):")
                try printJSON(record)
                print(record.otpauthURI.uriString)
            } else if let seedFile {
                print("Seed record written to \(seedFile).")
            }
        }
    }

    /// Programs `secret` into the slot these options name, on any family; returns the seed record and a summary.
    func program(_ device: OpenedDevice, secret key: Secret) throws -> (SeedRecord, String) {
        switch device {
        case .openHOTP(let token): try programOpenHOTP(token, secret: key)
        case .yubiKey(let yubiKey): try programYubiKey(yubiKey, secret: key)
        case .nitrokey(let nitrokey): try programNitrokey(nitrokey, secret: key)
        }
    }

    /// Writes the slot and reads it back: the token must report what was asked.
    private func programOpenHOTP(_ token: OpenedToken, secret key: Secret) throws -> (SeedRecord, String) {
        guard (OpenHOTPDriver.minSecretLength...OpenHOTPDriver.maxSecretLength).contains(key.count) else {
            throw CLIFailure("the secret is \(key.count) bytes; OpenHOTP tokens take 16 to 64 bytes", code: .usage)
        }
        let configuration = OpenHOTPSlotConfiguration(
            secret: key, algorithm: OTPAlgorithm(name: algorithm)!, digits: digits, counter: counter, name: name, touch: touch)
        let slot = slotOption.openHOTPSlot
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
        return (SeedRecord(serial: token.serial, slot: slot, family: "OpenHOTP", algorithm: configuration.algorithm,
                           digits: digits, counter: counter, secret: key), summary(after))
    }

    /// A Nitrokey HOTP slot (0 to 2): SHA1, a secret of up to 40 bytes, 6 or 8 digits, a name of up to 15 bytes
    /// (default "otpkit"), the admin PIN from --pin-file, OTPKIT_PIN or the terminal. Read back afterwards.
    private func programNitrokey(_ key: OpenedNitrokey, secret: Secret) throws -> (SeedRecord, String) {
        guard secret.count <= NitrokeyDriver.maxSecretLength else {
            throw CLIFailure("a Nitrokey HOTP slot takes a secret of up to 40 bytes, not \(secret.count)", code: .usage)
        }
        guard OTPAlgorithm(name: algorithm) == .sha1 else { throw CLIFailure("a Nitrokey computes HOTP with SHA1 only", code: .usage) }
        guard digits == 6 || digits == 8 else { throw CLIFailure("a Nitrokey gives 6 or 8 digits", code: .usage) }
        let slot = slotOption.openHOTPSlot
        let slotName = name.isEmpty ? "otpkit" : name
        guard slotName.utf8.count <= NitrokeyDriver.maxNameLength else { throw CLIFailure("a Nitrokey slot name is at most 15 bytes", code: .usage) }
        if try key.driver.readHOTPSlot(slot) != nil && !force {
            throw CLIFailure("HOTP slot \(slot) of Nitrokey \(key.status.serial) is programmed already; add --force to overwrite it", code: .refused)
        }
        let temporary = try key.driver.authenticateAdmin(pin: try pinOptions.requiredPIN(for: "Nitrokey admin"))
        try key.driver.writeHOTPSlot(slot, name: slotName, secret: secret, counter: counter, digits: digits, temporaryPassword: temporary)
        guard let after = try key.driver.readHOTPSlot(slot), after.name == slotName, after.counter == counter, after.digits == digits else {
            throw CLIFailure("the Nitrokey reports HOTP slot \(slot) differently from what was written", code: .protocolError)
        }
        return (SeedRecord(serial: String(key.status.serial), slot: slot, family: "Nitrokey", issuer: "Nitrokey", algorithm: .sha1,
                           digits: digits, counter: counter, secret: secret),
                "HOTP SHA1, \(digits) digits, counter \(after.counter)  \"\(after.name)\"")
    }

    /// A YubiKey slot as OATH-HOTP: HMAC-SHA1 with a 20-byte key, 6 or 8 digits, a moving factor that is a
    /// multiple of 16. The key confirms by moving its programming sequence; it cannot show the slot afterwards.
    private func programYubiKey(_ key: OpenedYubiKey, secret: Secret) throws -> (SeedRecord, String) {
        guard secret.count == 20 else {
            throw CLIFailure("a YubiKey OATH-HOTP slot takes a 20-byte secret, not \(secret.count) bytes (--secret-bytes 20)", code: .usage)
        }
        guard OTPAlgorithm(name: algorithm) == .sha1 else { throw CLIFailure("a YubiKey computes HOTP with SHA1 only", code: .usage) }
        guard digits == 6 || digits == 8 else { throw CLIFailure("a YubiKey types 6 or 8 digits", code: .usage) }
        guard name.isEmpty else { throw CLIFailure("a YubiKey slot has no name; leave out --name", code: .usage) }
        var movingFactor = counter
        if movingFactor % 16 != 0 || movingFactor > 0xFFFF0 {
            guard roundIMF, movingFactor <= 0xFFFFF else {
                throw CLIFailure("a YubiKey stores the initial moving factor in steps of 16 (up to 1048560); \(counter) is not one. "
                                 + "Give a multiple of 16, or --round-imf to round it down to \(min(counter - counter % 16, 0xFFFF0))", code: .usage)
            }
            movingFactor = min(counter - counter % 16, 0xFFFF0)
            writeError("otpkit: the moving factor is rounded down to \(movingFactor)\n")
        }
        let slot = slotOption.yubiKeySlot
        let programmed = slot == 1 ? key.status.slot1Programmed : key.status.slot2Programmed
        if programmed && !force {
            throw CLIFailure("slot \(slot) of YubiKey \(key.serial) is programmed already; add --force to overwrite it", code: .refused)
        }
        var configuration = YubiKeyOATHConfiguration(secret: secret, digits: digits, movingFactor: UInt32(movingFactor))
        configuration.newAccessCode = try newAccessCode.map { try AccessCodeOptions.parse($0, option: "--new-access-code") }
        configuration.appendEnter = appendEnter
        if let tokenID {
            guard let bytes = try? Hex.decode(tokenID), (1...16).contains(bytes.count) else {
                throw CLIFailure("--token-id must be 1 to 16 bytes in hex", code: .usage)
            }
            configuration.tokenID = bytes
            configuration.tokenIDModhex = tokenIDModhex
        }
        configuration.extendedFlags = serialVisible ? YubiKeyProtocol.extSerialAPIVisible : 0
        try key.driver.program(slot: slot, configuration, accessCode: try accessCodeOptions.current())
        let summary = "OATH-HOTP SHA1, \(digits) digits, moving factor \(movingFactor)"
            + (configuration.newAccessCode == nil ? "" : ", access code set")
        return (SeedRecord(serial: key.serial, slot: slot, family: "YubiKey", issuer: "Yubico", algorithm: .sha1, digits: digits,
                           counter: movingFactor, secret: secret), summary)
    }

    struct ProgramReport: Encodable {
        let address: String
        let slot: Int
        let summary: String
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
        do {
            try PrivateFile.write(Array(data), to: path)
        } catch {
            throw CLIFailure("\(error); the token is programmed, so its secret is now lost: program it again with --force", code: .refused)
        }
    }
}
