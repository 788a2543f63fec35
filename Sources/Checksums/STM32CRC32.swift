/// The CRC of the STM32's hardware unit, as Nitrokey Pro and Storage frames carry it: polynomial 0x04C11DB7,
/// initial value 0xFFFFFFFF, MSB first, no reflection, no final XOR, fed 32-bit words read little-endian
/// (CRC-32/MPEG-2 over the bytes with every group of four reversed).
public enum STM32CRC32 {
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        precondition(bytes.count % 4 == 0, "the STM32 unit takes whole 32-bit words")
        var crc: UInt32 = 0xFFFF_FFFF
        let data = Array(bytes)
        for index in stride(from: 0, to: data.count, by: 4) {
            let word = UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
            crc ^= word
            for _ in 0..<32 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }
}
