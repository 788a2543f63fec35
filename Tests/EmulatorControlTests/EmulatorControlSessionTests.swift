import EmulatorControl
import Synchronization
import Testing

/// A target that records what the protocol asked of it.
final class RecordingTarget: EmulatorControlTarget {
    let calls = Mutex<[String]>([])

    func press(busID: String, slot: Int?) throws(ControlError) -> PressOutcome {
        guard busID == "1-1" else { throw .noSuchDevice(busID) }
        calls.withLock { $0.append("press \(busID) \(slot.map(String.init) ?? "-")") }
        return slot == 2 ? .nothing("slot not OATH-HOTP") : .typed("755224")
    }

    func setPlugged(busID: String, _ plugged: Bool) throws(ControlError) {
        calls.withLock { $0.append("\(plugged ? "plug" : "unplug") \(busID)") }
    }

    func dropAfter(transfers: Int, busID: String?) throws(ControlError) {
        calls.withLock { $0.append("drop \(transfers) \(busID ?? "any")") }
    }

    func state(busID: String) throws(ControlError) -> TokenStateReport {
        TokenStateReport(family: "openhotp", serial: 777, plugged: true,
                         slots: [.init(slot: 0, programmed: true, counter: 3), .init(slot: 1, programmed: false, counter: nil)],
                         pinTriesLeft: [("admin", 3)])
    }
}

@Suite struct EmulatorControlSessionTests {
    let target = RecordingTarget()
    var session: EmulatorControlSession { EmulatorControlSession(target: target) }

    func reply(_ line: String) -> String { session.reply(to: Array(line.utf8)) }

    @Test func eachRequestGetsItsReply() {
        #expect(reply(#"{"press": "1-1"}"#) == #"{"device":"1-1","slot":null,"typed":"755224"}"#)
        #expect(reply(#"{"press": "1-1", "slot": 2}"#) == #"{"device":"1-1","slot":2,"typed":null,"note":"slot not OATH-HOTP"}"#)
        #expect(reply(#"{"plug": "1-3"}"#) == #"{"plugged":"1-3"}"#)
        #expect(reply(#" { "unplug" : "1-2" } "#) == #"{"unplugged":"1-2"}"#)
        #expect(reply(#"{"drop_after": 5, "device": "1-1"}"#) == #"{"drop_after":5,"device":"1-1"}"#)
        #expect(reply(#"{"drop_after": 0}"#) == #"{"drop_after":0,"device":null}"#)
        #expect(reply(#"{"state": "1-1"}"#) == #"{"device":"1-1","family":"openhotp","serial":777,"plugged":true,"slots":[{"slot":0,"programmed":true,"counter":3},{"slot":1,"programmed":false,"counter":null}],"pin_tries_left":{"admin":3}}"#)
        #expect(target.calls.withLock { $0 } == ["press 1-1 -", "press 1-1 2", "plug 1-3", "unplug 1-2", "drop 5 1-1", "drop 0 any"])
    }

    @Test(arguments: [
        (#"{"press": "1-9"}"#, "no device 1-9"),
        (#"{"press": "1-1", "plug": "1-2"}"#, "name exactly one of press, plug, unplug, drop_after, state"),
        (#"{}"#, "name exactly one of press, plug, unplug, drop_after, state"),
        (#"{"press": "1-1", "pin": "1234"}"#, #"unexpected member \"pin\" for press"#),
        (#"{"press": 1}"#, #"press takes a bus id such as \"1-1\""#),
        (#"{"press": "1-1/../x"}"#, #"press takes a bus id such as \"1-1\""#),
        (#"{"press": "1-1", "slot": 99}"#, "slot takes a number from 0 to 15"),
        (#"{"drop_after": -1}"#, "drop_after takes a number from 0 to 1000000"),
        (#"{"press": {"a": 1}}"#, "nested objects and arrays are not accepted"),
        (#"[1]"#, "a line must hold one JSON object"),
        (#"{"press": "1-1"} x"#, "malformed JSON"),
        (#"{"press": "1-1", "press": "1-2"}"#, "a key appears twice"),
        (#"{"press": "1-1""#, "malformed JSON"),
        (#"{"drop_after": 1e3}"#, "malformed JSON"),
    ])
    func refusalsAreErrorLines(_ request: String, _ message: String) {
        #expect(reply(request) == #"{"error":""# + message + #""}"#)
        #expect(target.calls.withLock { $0 }.isEmpty)
    }

    @Test func limitsHold() {
        let long = "{\"press\": \"" + String(repeating: "a", count: 300) + "\"}"
        #expect(reply(long) == #"{"error":"a key or string is too long"}"#)
        let many = "{" + (0..<9).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}"
        #expect(reply(many) == #"{"error":"too many members"}"#)
        let huge = Array(repeating: UInt8(ascii: " "), count: EmulatorControlSession.maximumLineLength + 1)
        #expect(session.reply(to: huge) == #"{"error":"a line may hold at most 1024 bytes"}"#)
    }

    @Test func theFramerCutsLinesAndDropsOverlongOnes() {
        var framer = ControlLineFramer(maximumLineLength: 8)
        #expect(framer.feed(Array("{\"a\"".utf8)) == [])
        #expect(framer.feed(Array(":1}\r\n\n12345678901234567890".utf8)) == [.line(Array("{\"a\":1}".utf8))])
        #expect(framer.feed(Array("123\nok\n".utf8)) == [.tooLong, .line(Array("ok".utf8))])
    }

    @Test(arguments: [("unix:/tmp/x.sock", true), ("tcp:127.0.0.1:0", true), ("tcp:[::1]:9000", true), ("tcp:localhost:1", true),
                      ("tcp:0.0.0.0:9000", false), ("tcp:10.0.0.1:9000", false), ("tcp:127.0.0.1:70000", false), ("udp:x", false),
                      ("unix:", false)])
    func controlAddressesAreLoopbackOrUnix(_ text: String, _ accepted: Bool) {
        #expect(((try? ControlAddress(parsing: text)) != nil) == accepted)
    }
}
