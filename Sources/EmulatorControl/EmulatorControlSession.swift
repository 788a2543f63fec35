/// The control protocol: one JSON object a line in, one JSON object a line out, over any line channel.
public struct EmulatorControlSession: Sendable {
    /// Longest request line accepted (bytes, without the newline); a longer one is answered with an error and
    /// discarded up to its newline.
    public static let maximumLineLength = 1024

    public let target: EmulatorControlTarget

    public init(target: EmulatorControlTarget) {
        self.target = target
    }

    /// The reply line (without its newline) to one request line.
    public func reply(to line: some Collection<UInt8>) -> String {
        do throws(ControlError) {
            guard line.count <= Self.maximumLineLength else { throw .lineTooLong(limit: Self.maximumLineLength) }
            return try perform(ControlCommand(parsing: line))
        } catch {
            return Self.errorLine(error)
        }
    }

    public static func errorLine(_ error: ControlError) -> String {
        JSONLine.object([("error", .string(error.description))])
    }

    public func perform(_ command: ControlCommand) throws(ControlError) -> String {
        switch command {
        case .press(let busID, let slot):
            switch try target.press(busID: busID, slot: slot) {
            case .typed(let text):
                return JSONLine.object([("device", .string(busID)), ("slot", slot.map { .integer($0) } ?? .null), ("typed", .string(text))])
            case .nothing(let why):
                return JSONLine.object([("device", .string(busID)), ("slot", slot.map { .integer($0) } ?? .null), ("typed", .null),
                                        ("note", .string(why))])
            }
        case .plug(let busID):
            try target.setPlugged(busID: busID, true)
            return JSONLine.object([("plugged", .string(busID))])
        case .unplug(let busID):
            try target.setPlugged(busID: busID, false)
            return JSONLine.object([("unplugged", .string(busID))])
        case .dropAfter(let count, let busID):
            try target.dropAfter(transfers: count, busID: busID)
            return JSONLine.object([("drop_after", .integer(count)), ("device", busID.map { .string($0) } ?? .null)])
        case .state(let busID):
            let report = try target.state(busID: busID)
            let slots = report.slots.map { slot in
                JSONLine.object([("slot", .integer(slot.slot)), ("programmed", .bool(slot.programmed)),
                                 ("counter", slot.counter.map { .integer(Int(clamping: $0)) } ?? .null)])
            }
            let tries = report.pinTriesLeft.map { JSONLine.quote($0.0) + ":" + String($0.1) }
            return "{" + [
                "\"device\":" + JSONLine.quote(busID), "\"family\":" + JSONLine.quote(report.family),
                "\"serial\":" + String(report.serial), "\"plugged\":" + (report.plugged ? "true" : "false"),
                "\"slots\":[" + slots.joined(separator: ",") + "]", "\"pin_tries_left\":{" + tries.joined(separator: ",") + "}",
            ].joined(separator: ",") + "}"
        }
    }
}
