import ArgumentParser
import Foundation
import PrivateFiles
import OTPCore
import TokenDrivers
import USBTransport

struct ProgramCommand: AsyncParsableCommand {
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

    @Option(name: .long, help: "HMAC algorithm (any case).")
    var algorithm: OTPAlgorithm = .sha1

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
        guard (OpenHOTPDriver.minSecretLength...OpenHOTPDriver.maxSecretLength).contains(secretBytes) else {
            throw ValidationError("--secret-bytes must be between 16 and 64")
        }
        guard name.utf8.count <= OpenHOTPDriver.maxNameLength else { throw ValidationError("--name is longer than 32 bytes") }
    }

    func run() async throws {
        try await reportingFailures {
            let key = try readSecret()
            try await target.withToken { device in
                let (record, slotSummary) = try program(device, secret: key)
                if let seedFile { try write(record, to: seedFile) }
                let showSecret = generate && seedFile == nil
                if json {
                    try printJSON(ProgramReport(address: device.address.description, serial: device.serial, slot: record.slot ?? 0,
                                                summary: slotSummary, seed: showSecret ? record : nil, seedFile: seedFile))
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
    }

    /// Programs `secret` into the slot these options name, under the family's rules; returns the seed record and a
    /// summary. The secret goes in the request, never through an argument list.
    func program(_ device: ConnectedToken, secret key: Secret) throws -> (SeedRecord, String) {
        var request = HOTPSlotRequest(slot: slotOption.slot, secret: key, algorithm: algorithm, digits: digits, counter: counter,
                                      name: name, touch: touch, overwrite: force, pin: try pinOptions.effectivePIN)
        if device.family != .yubiKey {
            // Asked on the terminal only when the token needs it and (Nitrokey) the slot is known to be writable.
            let options = pinOptions
            request.askPIN = { what in try? options.requiredPIN(for: what) }
        }
        if case .yubiKey = device {
            request.yubiKey.accessCode = try accessCodeOptions.current()
            request.yubiKey.newAccessCode = try newAccessCode.map { try AccessCodeOptions.parse($0, option: "--new-access-code") }
            request.yubiKey.roundMovingFactor = roundIMF
            request.yubiKey.appendEnter = appendEnter
            if let tokenID {
                guard let bytes = try? Hex.decode(tokenID), (1...16).contains(bytes.count) else {
                    throw CLIFailure("--token-id must be 1 to 16 bytes in hex", code: .usage)
                }
                request.yubiKey.tokenID = bytes
                request.yubiKey.tokenIDModhex = tokenIDModhex
            }
            request.yubiKey.serialVisible = serialVisible
        }
        let programmed = try device.slotProgrammer.program(request)
        if let rounded = programmed.roundedCounter { writeError("otpkit: the moving factor is rounded down to \(rounded)\n") }
        return (programmed.seed, programmed.summary)
    }

    struct ProgramReport: Encodable {
        let address: String
        let serial: String
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
