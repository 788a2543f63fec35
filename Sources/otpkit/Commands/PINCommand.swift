import ArgumentParser

struct PINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Set, change or check the admin PIN that protects a token's slots.",
        discussion: "Once a PIN is set, program and erase need it (--pin-file or OTPKIT_PIN). Three wrong PINs lock the token until a factory reset.",
        subcommands: [SetPIN.self, VerifyPIN.self])

    struct SetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set the admin PIN, or change it (give the current one with --pin).")

        @OptionGroup var target: DeviceOptions
        @OptionGroup var pinOptions: PINOptions
        @Option(name: .long, help: "The new PIN, 4 to 16 characters (seen in the process list: prefer --new-pin-file).") var newPin: String?
        @Option(name: .long, help: ArgumentHelp("Read the new PIN from the first line of this file (or pipe).", valueName: "path"))
        var newPinFile: String?

        func validate() throws {
            guard (newPin == nil) != (newPinFile == nil) else { throw ValidationError("give the new PIN with exactly one of --new-pin-file PATH and --new-pin PIN") }
            try PINOptions.check(pinFile: newPinFile)
            if let newPin, !(4...16).contains(newPin.utf8.count) { throw ValidationError("--new-pin must be 4 to 16 bytes long") }
        }

        func run() async throws {
            try await reportingFailures {
                let new = try newPin ?? PINOptions.read(pinFile: newPinFile ?? "")
                guard (4...16).contains(new.utf8.count) else { throw ValidationError("the new PIN must be 4 to 16 bytes long") }
                try await target.withOpenHOTP(for: "pin") { token in
                    try token.driver.setPIN(current: try pinOptions.effectivePIN, new: new)
                    print("Admin PIN of token \(token.serial) set.")
                }
            }
        }
    }

    struct VerifyPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the admin PIN (a wrong one costs a try).")

        @OptionGroup var target: DeviceOptions
        @OptionGroup var pinOptions: PINOptions

        func run() async throws {
            try await reportingFailures {
                guard let pin = try pinOptions.effectivePIN else { throw ValidationError("give the PIN with --pin or OTPKIT_PIN") }
                try await target.withOpenHOTP(for: "pin") { token in
                    try token.driver.verifyPIN(pin)
                    print("The admin PIN of token \(token.serial) is correct.")
                }
            }
        }
    }
}
