import Checksums
import OTPCore
import Testing
import TokenDrivers

/// The YubiKey frame and configuration layouts, byte by byte, against the facts in ../shared/reference/yubikey-otp.md.
@Suite struct YubiKeyFrameTests {
    static let rfcKey = try! Secret(bytes: Array("12345678901234567890".utf8))

    @Test func configurationLayout() throws {
        var configuration = YubiKeyOATHConfiguration(secret: Self.rfcKey, digits: 8, movingFactor: 0x120, tokenID: [0x01, 0x02])
        configuration.newAccessCode = [1, 2, 3, 4, 5, 6]
        let bytes = try configuration.encoded()
        #expect(bytes.count == 52)
        #expect(Array(bytes[0..<2]) == [0x01, 0x02] && bytes[2..<16].allSatisfy { $0 == 0 }, "fixed: the token id")
        #expect(Array(bytes[16..<20]) == Array("7890".utf8), "uid[0..3]: key bytes 16..19")
        #expect(Array(bytes[20..<22]) == [0x00, 0x12], "uid[4..5]: IMF / 16, big-endian")
        #expect(Array(bytes[22..<38]) == Array("1234567890123456".utf8), "key: bytes 0..15")
        #expect(Array(bytes[38..<44]) == [1, 2, 3, 4, 5, 6])
        #expect(bytes[44] == 2, "fixedSize")
        #expect(bytes[45] == 0x00 && bytes[46] == 0x40 && bytes[47] == 0x02, "ext (none), tkt (OATH_HOTP), cfg (HOTP8)")
        configuration.appendEnter = true
        configuration.extendedFlags = YubiKeyProtocol.extSerialAPIVisible
        let flagged = try configuration.encoded()
        #expect(flagged[45] == 0x04 && flagged[46] == 0x60)
        #expect(CRC16.checksum(bytes) == CRC16.residue, "the inverted CRC over bytes 0..49 closes the residue")
    }

    @Test func refusesWhatTheKeyCannotStore() {
        #expect(throws: YubiKeyOATHConfiguration.ConfigurationError.secretLength(16)) {
            try YubiKeyOATHConfiguration(secret: Secret.random(byteCount: 16)).encoded()
        }
        #expect(throws: YubiKeyOATHConfiguration.ConfigurationError.digits(7)) {
            try YubiKeyOATHConfiguration(secret: Self.rfcKey, digits: 7).encoded()
        }
        #expect(throws: YubiKeyOATHConfiguration.ConfigurationError.movingFactor(17)) {
            try YubiKeyOATHConfiguration(secret: Self.rfcKey, movingFactor: 17).encoded()
        }
    }

    @Test func framesAreCutIntoSevenBytePiecesSkippingEmptyOnes() {
        let frame = YubiKeyProtocol.frame(command: 0x10, payload: [])
        #expect(frame.count == 70 && frame[64] == 0x10)
        let crc = CRC16.checksum([UInt8](repeating: 0, count: 64))
        #expect(frame[65] == UInt8(crc & 0xff) && frame[66] == UInt8(crc >> 8), "CRC of the payload, not inverted")
        let reports = YubiKeyProtocol.reports(of: frame)
        #expect(reports.map { $0[7] } == [0x80, 0x89], "only the first and last pieces of an empty payload")
        #expect(Array(reports[1][0..<7]) == Array(frame[63..<70]))
    }
}
