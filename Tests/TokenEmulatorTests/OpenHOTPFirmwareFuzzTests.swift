import Checksums
import Foundation
import OTPCore
import TestSupport
import Testing
import TokenEmulator

/// 100,000 random and mutated frames: the firmware must never crash and its invariants must hold after each one.
@Suite struct OpenHOTPFirmwareFuzzTests {
    static let seeds: [[UInt8]] = try! OpenHOTPVectorFile.load().vectors.flatMap { $0.steps.compactMap(\.request) }.map(bytes(fromHex:))

    @Test(arguments: [false, true])
    func randomAndMutatedFramesKeepInvariants(withPIN: Bool) throws {
        var generator = SeededGenerator(seed: withPIN ? 0xC0FFEE : 0xBADF00D)
        var state = OpenHOTPTokenState(serial: 4242)
        state.slots[0] = .init(secret: try Secret(bytes: Array("12345678901234567890".utf8)), algorithm: .sha1, digits: 6,
                               counter: 10, name: "fuzz", touch: false)
        state.slots[2] = .init(secret: Secret.random(byteCount: 32), algorithm: .sha256, digits: 8, counter: 0, name: "",
                               touch: true)
        if withPIN { state.pin = .init(pin: Array("123456".utf8)) }
        var firmware = OpenHOTPFirmware(state: state)
        var violations: [String] = []
        let now = Date()

        for round in 0..<50_000 {
            let frame = Self.nextFrame(&generator)
            let before = firmware.state
            var persisted = 0
            firmware.receive(frame, now: now) { _ in persisted += 1; return generator.next() % 50 != 0 }
            let reply = firmware.currentReply(now: now)
            violations += Self.check(reply: reply, before: before, after: firmware.state, persisted: persisted, round: round)
            if generator.next() % 200 == 0 {
                let beforePress = firmware.state
                var pressPersisted = 0
                let outcome = firmware.pressButton(now: now) { _ in pressPersisted += 1; return true }
                if outcome == .nothing ? firmware.state != beforePress : firmware.state.slots.map({ $0?.secret }) != beforePress.slots.map({ $0?.secret }) {
                    violations.append("round \(round): the button changed more than a counter")
                }
                if firmware.state != beforePress && pressPersisted == 0 { violations.append("round \(round): press not persisted") }
            }
            if violations.count > 5 { break }
        }
        #expect(violations.isEmpty, "\(violations)")
    }

    /// A frame that is random, or a vector request with a few bytes changed, its CRC fixed half the time
    /// so that the mutation reaches the command handlers.
    static func nextFrame(_ generator: inout SeededGenerator) -> [UInt8] {
        if generator.next() % 4 == 0 {
            return (0..<64).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        }
        var frame = seeds[Int(generator.next() % UInt64(seeds.count))]
        for _ in 0..<Int(1 + generator.next() % 4) {
            frame[Int(generator.next() % 60)] = UInt8(truncatingIfNeeded: generator.next())
        }
        if generator.next() % 2 == 0 {
            let crc = CRC32.checksum(frame[0..<60])
            frame.replaceSubrange(60..<64, with: [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
        }
        return frame
    }

    static func check(reply: [UInt8], before: OpenHOTPTokenState, after: OpenHOTPTokenState, persisted: Int, round: Int) -> [String] {
        var problems: [String] = []
        func fail(_ text: String) { problems.append("round \(round): \(text)") }
        let status = reply[2], command = reply[0]
        if reply.count != 64 { fail("reply of \(reply.count) bytes") }
        if CRC32.checksum(reply[0..<60]) != UInt32(reply[60]) | UInt32(reply[61]) << 8 | UInt32(reply[62]) << 16 | UInt32(reply[63]) << 24 {
            fail("reply CRC wrong")
        }
        if after.serial != before.serial { fail("serial changed") }
        if after.slots.count != OpenHOTPTokenState.slotCount { fail("slot count changed") }
        if !(0...OpenHOTPTokenState.maxPINRetries).contains(after.pinRetries) { fail("retries \(after.pinRetries)") }
        let changedState = after != before
        let stateChangingStatus = status == 0x00 || status == 0x08 || status == 0x09
        if changedState && !stateChangingStatus && command != 0x06 { fail("status \(status) but state changed") }
        if changedState && persisted == 0 { fail("state changed without being persisted") }
        for (old, new) in zip(before.slots, after.slots) {
            guard let new else { continue }
            if !(16...64).contains(new.secret.count) { fail("secret of \(new.secret.count) bytes") }
            if !OTPDigits.allowed.contains(new.digits) { fail("\(new.digits) digits") }
            guard let old, old.secret == new.secret, old.algorithm == new.algorithm, old.digits == new.digits else { continue }
            let rewritten = command == 0x04 && status == 0
            if new.counter < old.counter && !rewritten { fail("counter went back from \(old.counter) to \(new.counter)") }
            if new.counter > old.counter + 1 && !rewritten { fail("counter jumped from \(old.counter) to \(new.counter)") }
        }
        if before.pin != nil, after.pin != before.pin, !(command == 0x08 && status == 0) && !(command == 0x0A && status == 0) {
            fail("PIN changed without SET_PIN or FACTORY_RESET")
        }
        return problems
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
