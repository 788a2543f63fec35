import ArgumentParser

struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase a slot (its secret is gone for good).")

    @OptionGroup var target: DeviceOptions
    @OptionGroup var slotOption: SlotOption
    @OptionGroup var pinOptions: PINOptions
    @OptionGroup var accessCodeOptions: AccessCodeOptions
    @Flag(name: .long, help: "Do not ask for confirmation.") var force = false

    func run() async throws {
        try await reportingFailures {
            try await target.withToken { device in
                switch device {
                case .openHOTP(let token):
                    try confirm("Erase slot \(slotOption.openHOTPSlot) of token \(token.serial)?", force: force)
                    if let pin = try pinOptions.effectivePIN { try token.driver.verifyPIN(pin) }
                    try token.driver.eraseSlot(slotOption.openHOTPSlot)
                    print("Erased slot \(slotOption.openHOTPSlot) of token \(token.serial).")
                case .yubiKey(let key):
                    try confirm("Delete slot \(slotOption.yubiKeySlot) of YubiKey \(key.serial)?", force: force)
                    try key.driver.delete(slot: slotOption.yubiKeySlot, accessCode: try accessCodeOptions.current())
                    print("Deleted slot \(slotOption.yubiKeySlot) of YubiKey \(key.serial).")
                case .nitrokey(let key):
                    let slot = slotOption.openHOTPSlot
                    try confirm("Erase HOTP slot \(slot) of Nitrokey \(key.status.serial)?", force: force)
                    let temporary = try key.driver.authenticateAdmin(pin: try pinOptions.requiredPIN(for: "Nitrokey admin"))
                    try key.driver.eraseHOTPSlot(slot, temporaryPassword: temporary)
                    print("Erased HOTP slot \(slot) of Nitrokey \(key.status.serial).")
                }
            }
        }
    }
}
