import ArgumentParser

struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Factory reset: erase every slot and remove the admin PIN (also unlocks a locked token).")

    @OptionGroup var target: DeviceOptions
    @Flag(name: .long, help: "Do not ask for confirmation.") var force = false

    func run() async throws {
        try await reportingFailures {
            try await target.withOpenHOTP(for: "reset") { token in
                try confirm("Erase every slot and the PIN of token \(token.serial)?", force: force)
                try token.driver.factoryReset()
                print("Token \(token.serial) is reset to factory state.")
            }
        }
    }
}
