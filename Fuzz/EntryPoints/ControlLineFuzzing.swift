import EmulatorControl

/// The emulator's control protocol: a byte stream cut into lines by `ControlLineFramer`, each parsed and answered
/// by `EmulatorControlSession` against a target that accepts everything, so mutants reach every reply path.
enum ControlLineFuzzing {
    struct AcceptingTarget: EmulatorControlTarget {
        func press(busID: String, slot: Int?) throws(ControlError) -> PressOutcome {
            slot == 2 ? .nothing("slot not OATH-HOTP") : .typed("755224")
        }
        func setPlugged(busID: String, _ plugged: Bool) throws(ControlError) {}
        func dropAfter(transfers: Int, busID: String?) throws(ControlError) {}
        func state(busID: String) throws(ControlError) -> TokenStateReport {
            TokenStateReport(family: "openhotp", serial: 1, plugged: true, slots: [.init(slot: 0, programmed: true, counter: 1)],
                             pinTriesLeft: [("admin", 3)])
        }
    }

    static let session = EmulatorControlSession(target: AcceptingTarget())

    static func run(_ input: [UInt8]) {
        var framer = ControlLineFramer()
        for line in framer.feed(input) {
            if case .line(let bytes) = line {
                let reply = session.reply(to: bytes)
                precondition(!reply.contains("\n"), "a reply is one line")
            }
        }
    }

    static func seeds() -> [[UInt8]] {
        [
            #"{"press": "1-1", "slot": 2}"#, #"{"plug": "1-3"}"#, #"{"unplug": "1-2"}"#, #"{"drop_after": 5, "device": "1-1"}"#,
            #"{"state": "1-1"}"# + "\n" + #"{"press": "1-1\u0041", "slot": null}"#, #"{"press": {"nested": [1]}}"#,
        ].map { Array(($0 + "\n").utf8) }
    }
}
