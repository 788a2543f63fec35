/// CRC-16/ISO-HDLC without the final XOR, as YubiKeys use it (ISO 13239): reflected polynomial 0x8408, initial
/// value 0xFFFF. Appending the inverted CRC little-endian to data makes the CRC of the whole 0xF0B8 (the residue).
public enum CRC16 {
    public static let residue: UInt16 = 0xF0B8

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        }
        return crc
    }
}
