import ArgumentParser

struct CounterCommand: ParsableCommand {
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

    func run() throws {
        try reportingFailures {
            let token = try target.open()
            let counter = try token.driver.readCounter(slotOption.slot)
            if json { return try printJSON(Report(serial: token.serial, slot: slotOption.slot, counter: counter)) }
            print(counter)
        }
    }
}
