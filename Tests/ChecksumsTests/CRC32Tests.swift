import Checksums
import Testing

@Suite struct CRC32Tests {
    @Test func checkValueAndKnownStrings() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }
}

@Suite struct CRC16Tests {
    @Test func knownValuesAndResidue() {
        // CRC-16/X-25 of "123456789" is 0x906E: the same register, with the final XOR this variant leaves out.
        #expect(CRC16.checksum(Array("123456789".utf8)) ^ 0xFFFF == 0x906E)
        let data: [UInt8] = [0x01, 0x02, 0x03, 0x04]
        let inverted = ~CRC16.checksum(data)
        #expect(CRC16.checksum(data + [UInt8(inverted & 0xff), UInt8(inverted >> 8)]) == CRC16.residue)
    }
}

@Suite struct STM32CRC32Tests {
    /// CRC-32/MPEG-2 of "123456789" is 0x0376E6E7; with the bytes of each word reversed the STM32 unit computes the same.
    @Test func matchesMPEG2OverWordReversedBytes() {
        let text = Array("12345678".utf8)
        let reversed = [text[3], text[2], text[1], text[0], text[7], text[6], text[5], text[4]]
        #expect(STM32CRC32.checksum(reversed) == mpeg2(text))
        #expect(STM32CRC32.checksum([UInt8](repeating: 0, count: 4)) == 0xC704_DD7B)
    }

    private func mpeg2(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }
}
