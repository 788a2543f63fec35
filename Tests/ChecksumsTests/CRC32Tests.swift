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
