import Checksums
import Foundation
import OTPCore
import Testing
import TokenEmulator

/// 100,000 random and mutated reports into the emulated YubiKey: no crash, and the state only ever changes through a
/// complete frame with good CRCs, by one programming step at a time.
@Suite struct YubiKeyFirmwareFuzzTests {
    @Test func randomAndMutatedReportsKeepInvariants() {
        var generator = SeededGenerator(seed: 0x1050_0010)
        var firmware = YubiKeyFirmware(state: YubiKeyState(serial: 99))
        let good = YubiKeyFirmwareTests.reports(command: 0x01, payload: YubiKeyFirmwareTests.config(access: [7, 7, 7, 7, 7, 7]) + [0, 0, 0, 0, 0, 0])
        YubiKeyFirmwareTests.feed(&firmware, good)
        var violations: [String] = []
        for round in 0..<100_000 {
            var report: [UInt8]
            switch generator.next() % 4 {
            case 0: report = (0..<8).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1: report = good[Int(generator.next() % UInt64(good.count))]
            default:
                report = good[Int(generator.next() % UInt64(good.count))]
                report[Int(generator.next() % 8)] = UInt8(truncatingIfNeeded: generator.next())
            }
            let before = firmware.state
            var persisted = 0
            firmware.receive(report) { _ in persisted += 1; return true }
            let status = firmware.currentReport()
            let after = firmware.state
            if after != before {
                if persisted == 0 { violations.append("round \(round): changed without persisting") }
                if after.programmingSequence != before.programmingSequence &+ 1 && after.programmingSequence != 0 {
                    violations.append("round \(round): sequence jumped from \(before.programmingSequence) to \(after.programmingSequence)")
                }
                for slot in after.slots.compactMap({ $0 }) where CRC16.checksum(slot.configuration) != CRC16.residue {
                    violations.append("round \(round): stored a configuration with a bad CRC")
                }
            }
            if after.serial != 99 || after.slots.count != 2 { violations.append("round \(round): identity changed") }
            if status.count != 8 { violations.append("round \(round): report of \(status.count) bytes") }
            if violations.count > 5 { break }
        }
        #expect(violations.isEmpty, "\(violations)")
    }
}
