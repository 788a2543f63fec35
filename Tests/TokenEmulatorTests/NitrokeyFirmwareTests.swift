import Checksums
import Foundation
import OTPCore
import Testing
import TokenEmulator

/// The emulated Nitrokey's firmware, fed requests built here from the reference layout (not by the host driver).
@Suite struct NitrokeyFirmwareTests {
    static let temporary = Array("otpkit-temporary-passwd1".utf8) + [0]

    static func request(_ command: UInt8, _ payload: [UInt8], corruptCRC: Bool = false) -> [UInt8] {
        var bytes = [command] + payload + [UInt8](repeating: 0, count: 59 - payload.count)
        var crc = STM32CRC32.checksum(bytes)
        if corruptCRC { crc ^= 1 }
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func field(_ text: String, _ size: Int) -> [UInt8] {
        Array(text.utf8) + [UInt8](repeating: 0, count: size - text.utf8.count)
    }

    /// Sends a request and returns (command status, payload).
    static func send(_ firmware: inout NitrokeyFirmware, _ request: [UInt8]) -> (UInt8, [UInt8]) {
        firmware.receive(request) { _ in true }
        var reply = firmware.currentReport()
        while reply[0] == 1 { reply = firmware.currentReport() }  // busy after a write
        #expect(STM32CRC32.checksum([0] + reply[1..<60]) == UInt32(reply[60]) | UInt32(reply[61]) << 8 | UInt32(reply[62]) << 16 | UInt32(reply[63]) << 24)
        return (reply[6], Array(reply[7..<60]))
    }

    static func login(_ firmware: inout NitrokeyFirmware, pin: String = "12345678") -> UInt8 {
        send(&firmware, request(0x07, field(pin, 25) + temporary)).0
    }

    static func write(_ firmware: inout NitrokeyFirmware, slot: UInt8, name: String = "mail", counter: UInt64 = 0) -> UInt8 {
        _ = send(&firmware, request(0x17, temporary + [UInt8(ascii: "N"), 0] + field(name, 30)))
        // The RFC 4226 key, zero padded to the firmware's 40-byte buffer (the HMAC is the same), in two chunks.
        let secret = Array("12345678901234567890".utf8) + [UInt8](repeating: 0, count: 20)
        _ = send(&firmware, request(0x17, temporary + [UInt8(ascii: "S"), 0] + Array(secret[0..<30])))
        _ = send(&firmware, request(0x17, temporary + [UInt8(ascii: "S"), 1] + Array(secret[30..<40]) + [UInt8](repeating: 0, count: 20)))
        var payload = temporary + [0x10 + slot]
        withUnsafeBytes(of: counter.littleEndian) { payload.append(contentsOf: $0) }
        return send(&firmware, request(0x01, payload + [0] + [UInt8](repeating: 0, count: 13))).0
    }

    @Test func writeReadAndGenerate() {
        var firmware = NitrokeyFirmware(state: NitrokeyState(serial: 7))
        #expect(Self.login(&firmware) == 0)
        #expect(Self.write(&firmware, slot: 2, counter: 9) == 0)
        let (status, slot) = Self.send(&firmware, Self.request(0x03, [0x12, 0]))
        #expect(status == 0 && Array(slot[0..<4]) == Array("mail".utf8))
        #expect(slot[29..<37].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 9)
        let (codeStatus, code) = Self.send(&firmware, Self.request(0x04, [0x12]))
        #expect(codeStatus == 0)
        #expect(code[0..<4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } == 520489, "RFC 4226 counter 9")
        #expect(firmware.state.slots[2]?.counter == 10)
    }

    @Test func refusalsChangeNothing() {
        var firmware = NitrokeyFirmware(state: NitrokeyState(serial: 7))
        #expect(Self.write(&firmware, slot: 0) == 5, "not authorised without FIRST_AUTHENTICATE")
        #expect(Self.send(&firmware, Self.request(0x00, [], corruptCRC: true)).0 == 1, "wrong CRC")
        #expect(Self.send(&firmware, Self.request(0x03, [0x13, 0])).0 == 2, "wrong slot")
        #expect(Self.send(&firmware, Self.request(0x04, [0x10])).0 == 3, "slot not programmed")
        #expect(Self.send(&firmware, Self.request(0x7E, [])).0 == 9, "unknown command")
        #expect(Self.login(&firmware) == 0)
        #expect(Self.write(&firmware, slot: 0, name: "") == 7, "no name")
        var payload = Self.temporary + [0x10]
        payload += [UInt8](repeating: 0, count: 22)
        #expect(Self.send(&firmware, Self.request(0x01, payload)).0 == 7, "WRITE_TO_SLOT without SEND_OTP_DATA first")
        #expect(firmware.state.slots.allSatisfy { $0 == nil })
    }

    @Test func aWriteWhileBusyIsIgnored() {
        var firmware = NitrokeyFirmware(state: NitrokeyState(serial: 7))
        _ = Self.login(&firmware)
        _ = Self.send(&firmware, Self.request(0x17, Self.temporary + [UInt8(ascii: "N"), 0] + Self.field("a", 30)))
        _ = Self.send(&firmware, Self.request(0x17, Self.temporary + [UInt8(ascii: "S"), 0] + [UInt8](repeating: 1, count: 30)))
        var payload = Self.temporary + [0x10] + [UInt8](repeating: 0, count: 22)
        firmware.receive(Self.request(0x01, payload)) { _ in true }
        // Busy now: an ERASE sent before the host saw "ready" must not happen.
        payload = [0x10] + Self.temporary
        firmware.receive(Self.request(0x06, payload)) { _ in true }
        #expect(firmware.currentReport()[0] == 1, "busy")
        #expect(firmware.currentReport()[1] == 0x01, "still the WRITE_TO_SLOT's answer")
        #expect(firmware.state.slots[0] != nil, "the erase sent while busy was ignored")
    }

    @Test func threeWrongAdminPINsLock() {
        var firmware = NitrokeyFirmware(state: NitrokeyState(serial: 7))
        for expected in [2, 1, 0] {
            #expect(Self.login(&firmware, pin: "00000000") == 4)
            #expect(Self.send(&firmware, Self.request(0x09, [])).1[0] == UInt8(expected))
        }
        #expect(Self.login(&firmware) == 4, "locked: even the right PIN is refused")
        #expect(firmware.state.adminRetries == 0)
    }

    @Test func randomAndMutatedRequestsKeepInvariants() {
        var generator = SeededGenerator(seed: 0x20A0_4108)
        var firmware = NitrokeyFirmware(state: NitrokeyState(serial: 7))
        _ = Self.login(&firmware)
        _ = Self.write(&firmware, slot: 0, counter: 100)
        let seeds = [Self.request(0x04, [0x10]), Self.request(0x03, [0x10, 0]), Self.request(0x07, Self.field("00000000", 25) + Self.temporary),
                     Self.request(0x17, Self.temporary + [UInt8(ascii: "S"), 0] + [UInt8](repeating: 1, count: 30)), Self.request(0x06, [0x11] + Self.temporary)]
        var violations: [String] = []
        for round in 0..<50_000 {
            var report = seeds[Int(generator.next() % UInt64(seeds.count))]
            if generator.next() % 3 == 0 { report = (0..<64).map { _ in UInt8(truncatingIfNeeded: generator.next()) } }
            for _ in 0..<Int(generator.next() % 3) { report[Int(generator.next() % 60)] = UInt8(truncatingIfNeeded: generator.next()) }
            if generator.next() % 2 == 0 {
                let crc = STM32CRC32.checksum(report[0..<60])
                report.replaceSubrange(60..<64, with: [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
            }
            let before = firmware.state
            firmware.receive(report) { _ in true }
            let after = firmware.state
            if firmware.currentReport().count != 64 { violations.append("round \(round): reply size") }
            if after.serial != before.serial || after.slots.count != 3 { violations.append("round \(round): identity") }
            if !(0...3).contains(after.adminRetries) { violations.append("round \(round): retries \(after.adminRetries)") }
            if let old = before.slots[0]?.counter, let new = after.slots[0]?.counter, new < old || new > old + 1 {
                violations.append("round \(round): counter moved from \(old) to \(new)")
            }
            if violations.count > 5 { break }
        }
        #expect(violations.isEmpty, "\(violations)")
    }
}
