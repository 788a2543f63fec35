import ArgumentParser

struct EraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase a slot (its secret is gone for good).")

    @OptionGroup var target: DeviceOptions
    @OptionGroup var slotOption: SlotOption
    @OptionGroup var pinOptions: PINOptions
    @Flag(name: .long, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        try reportingFailures {
            let token = try target.open()
            try confirm("Erase slot \(slotOption.slot) of token \(token.serial)?", force: force)
            if let pin = pinOptions.effectivePIN { try token.driver.verifyPIN(pin) }
            try token.driver.eraseSlot(slotOption.slot)
            print("Erased slot \(slotOption.slot) of token \(token.serial).")
        }
    }
}
