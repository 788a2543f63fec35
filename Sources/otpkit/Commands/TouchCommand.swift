import ArgumentParser
import TokenDrivers

struct TouchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "touch",
        abstract: "Make the token produce its next code, as a press of its button does.",
        discussion: "The slot's counter advances by one. On a slot that requires touch, press the button when asked (an emulated token's simulated user presses it).")

    @OptionGroup var target: DeviceOptions
    @OptionGroup var slotOption: SlotOption
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingFailures {
            try await target.withToken { device in
                if case .nitrokey(let key) = device {
                    let code = try key.driver.code(slotOption.openHOTPSlot)
                    if json { return try printJSON(["slot": String(slotOption.openHOTPSlot), "code": code]) }
                    return print(code)
                }
                let token = try device.requireOpenHOTP("touch")
                if try token.driver.readSlot(slotOption.openHOTPSlot).touch == true, !json {
                    emit("Touch the token's button...")
                }
                let code = try token.driver.generate(slotOption.openHOTPSlot)
                if json { return try printJSON(code) }
                print(code.code)
            }
        }
    }
}
