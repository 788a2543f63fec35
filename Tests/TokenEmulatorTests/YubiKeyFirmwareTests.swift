import Checksums
import OTPCore
import Testing
import TokenEmulator

/// The emulated YubiKey's firmware, fed reports built here from the reference layout (not by the host driver).
@Suite struct YubiKeyFirmwareTests {
    static let rfcKey = Array("12345678901234567890".utf8)

    /// A 52-byte OATH-HOTP configuration for the RFC 4226 key with access code `access`, built field by field.
    static func config(access: [UInt8] = [0, 0, 0, 0, 0, 0], imf: UInt16 = 0) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16) + Array(rfcKey[16..<20]) + [UInt8(imf >> 8), UInt8(imf & 0xff)]
        bytes += Array(rfcKey[0..<16]) + access + [0, 0x04, 0x40, 0x00, 0, 0]
        let crc = ~CRC16.checksum(bytes)
        return bytes + [UInt8(crc & 0xff), UInt8(crc >> 8)]
    }

    static func reports(command: UInt8, payload: [UInt8], corruptCRC: Bool = false) -> [[UInt8]] {
        let padded = payload + [UInt8](repeating: 0, count: 64 - payload.count)
        var crc = CRC16.checksum(padded)
        if corruptCRC { crc ^= 1 }
        let frame = padded + [command, UInt8(crc & 0xff), UInt8(crc >> 8), 0, 0, 0]
        return (0..<10).map { Array(frame[($0 * 7)..<($0 * 7 + 7)]) + [0x80 | UInt8($0)] }
    }

    /// Sends reports as a host does: each after the key shows it is no longer busy writing.
    static func feed(_ firmware: inout YubiKeyFirmware, _ reports: [[UInt8]]) {
        for report in reports {
            settle(&firmware)
            firmware.receive(report) { _ in true }
        }
    }

    /// Reads the status until the key is no longer busy (after a configuration write; never with a response pending).
    static func settle(_ firmware: inout YubiKeyFirmware) {
        while firmware.currentReport()[7] & 0x80 != 0 {}
    }

    @Test func programTouchAndCountAsOATHHOTP() {
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 4_711))
        Self.feed(&firmware, Self.reports(command: 0x01, payload: Self.config() + [0, 0, 0, 0, 0, 0]))
        Self.settle(&firmware)
        let status = firmware.currentReport()
        #expect(Array(status[1..<4]) == [2, 4, 3])
        #expect(status[4] == 1, "the programming sequence moved")
        #expect(status[5] & 0x01 == 0x01, "slot 1 valid")
        #expect(firmware.touch(slot: 1) { _ in true } == .typed("755224"))
        #expect(firmware.touch(slot: 1) { _ in true } == .typed("287082"))
        #expect(firmware.touch(slot: 2) { _ in true } == .slotNotHOTP)
    }

    @Test func theInitialMovingFactorIsSixteenTimesTheStoredValue() {
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 1))
        Self.feed(&firmware, Self.reports(command: 0x03, payload: Self.config(imf: 1) + [0, 0, 0, 0, 0, 0]))
        let expected = try! HOTP(secret: Secret(bytes: Self.rfcKey)).code(counter: 16)
        #expect(firmware.touch(slot: 2) { _ in true } == .typed(expected))
    }

    @Test func wrongAccessCodeBadCRCAndAbandonedFramesChangeNothing() {
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 1))
        let access: [UInt8] = [9, 9, 9, 9, 9, 9]
        Self.feed(&firmware, Self.reports(command: 0x01, payload: Self.config(access: access) + [0, 0, 0, 0, 0, 0]))
        let programmed = firmware.state
        #expect(programmed.programmingSequence == 1)

        Self.feed(&firmware, Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 52) + [1, 1, 1, 1, 1, 1]))
        #expect(firmware.state == programmed, "a delete with the wrong access code is refused")
        Self.feed(&firmware, Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 52) + access, corruptCRC: true))
        #expect(firmware.state == programmed, "a frame with a bad CRC is ignored")
        Self.feed(&firmware, Array(Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 52) + access).prefix(5)))
        #expect(firmware.state == programmed, "a frame abandoned half-way does nothing")
        var outOfOrder = Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 52) + access)
        outOfOrder.swapAt(3, 4)
        Self.feed(&firmware, outOfOrder)
        #expect(firmware.state == programmed, "pieces out of order abandon the frame")

        Self.feed(&firmware, Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 52) + access))
        #expect(firmware.state.slots[0] == nil, "the right access code deletes")
        #expect(firmware.state.programmingSequence == 0, "no slot left: the sequence reads 0")
    }

    @Test func aWriteWhileBusyIsIgnored() {
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 1))
        for report in Self.reports(command: 0x01, payload: Self.config() + [0, 0, 0, 0, 0, 0]) { firmware.receive(report) { _ in true } }
        // Right after the configuration the key is busy: a delete written without waiting is dropped.
        for report in Self.reports(command: 0x01, payload: [UInt8](repeating: 0, count: 58)) { firmware.receive(report) { _ in true } }
        #expect(firmware.currentReport()[7] == 0x80, "busy: the write flag shows")
        Self.settle(&firmware)
        #expect(firmware.state.slots[0] != nil, "the delete sent while busy did nothing")
        #expect(firmware.state.programmingSequence == 1)
    }

    @Test func serialIsAnsweredWithAnInvertedCRC() {
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 0x0102_0304))
        Self.feed(&firmware, Self.reports(command: 0x10, payload: []))
        let report = firmware.currentReport()
        #expect(report[7] == 0x40, "response pending, piece 0")
        #expect(Array(report[0..<4]) == [1, 2, 3, 4])
        #expect(CRC16.checksum(report[0..<6]) == CRC16.residue)
        #expect(firmware.currentReport() == [0, 0, 0, 0, 0, 0, 0, 0x40], "then 0x40 with sequence 0 marks the end")
        firmware.receive([0, 0, 0, 0, 0, 0, 0, 0x8F]) { _ in true }
        #expect(firmware.currentReport()[7] & 0x40 == 0, "after the host's reset, the status again")
    }
}
