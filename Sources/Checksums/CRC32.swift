/// CRC-32/ISO-HDLC: the CRC-32 of zlib, Ethernet and PNG.
/// Polynomial 0x04C11DB7 (reflected 0xEDB88320), initial value 0xFFFFFFFF, input and output reflected,
/// final XOR 0xFFFFFFFF; the check value of the ASCII string "123456789" is 0xCBF43926.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}
