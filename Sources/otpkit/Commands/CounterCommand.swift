import ArgumentParser

struct CounterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counter",
        abstract: "Read a slot's HOTP counter (the counter of its next code).",
        discussion: "A verification server can be resynchronised to this value.")

    @OptionGroup var target: DeviceOptions
    @OptionGroup var slotOption: SlotOption
    @Flag(name: .long, help: "Print JSON.") var json = false

    struct Report: Encodable {
        let serial: String
        let slot: Int
        let counter: UInt64
    }

    func run() async throws {
        try await reportingFailures {
            try await target.withToken { device in
                if case .nitrokey(let key) = device {
                    guard let slot = try key.driver.readHOTPSlot(slotOption.openHOTPSlot) else {
                        throw CLIFailure("HOTP slot \(slotOption.openHOTPSlot) of the Nitrokey is not programmed", code: .refused)
                    }
                    if json { return try printJSON(Report(serial: String(key.status.serial), slot: slot.slot, counter: slot.counter)) }
                    return print(slot.counter)
                }
                guard case .openHOTP(let token) = device else {
                    throw CLIFailure("a YubiKey cannot report its HOTP counter: its OTP application has no command for it. Use the "
                        + "moving factor recorded when the slot was programmed, or let the verifier resynchronise from two consecutive "
                        + "codes (otpkit verifier resync --token ID CODE1 CODE2)", code: .refused)
                }
                let counter = try token.driver.readCounter(slotOption.openHOTPSlot)
                if json { return try printJSON(Report(serial: token.serial, slot: slotOption.openHOTPSlot, counter: counter)) }
                print(counter)
            }
        }
    }
}
