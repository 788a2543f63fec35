/// RFC 4648 base32 (the alphabet A-Z, 2-7), the usual text form of OTP secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    private static let values: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (index, character) in alphabet.enumerated() {
            table[character] = UInt8(index)
            table[character | 0x20] = UInt8(index)  // lower case; digits are unaffected by the bit
        }
        return table
    }()

    public static func encode(_ bytes: [UInt8], padding: Bool = true) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1f)])
            }
        }
        if bits > 0 {
            out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1f)])
        }
        if padding {
            while out.count % 8 != 0 { out.append(UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes case-insensitively, with or without `=` padding; spaces and hyphens (as in grouped secrets) are skipped.
    public static func decode(_ text: String) throws(OTPError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var symbols = 0
        var sawPadding = false
        for (position, character) in text.utf8.enumerated() {
            if character == UInt8(ascii: " ") || character == UInt8(ascii: "-") { continue }
            if character == UInt8(ascii: "=") { sawPadding = true; continue }
            guard !sawPadding, let value = values[character] else {
                throw .invalidBase32Character(position: position)
            }
            symbols += 1
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xff))
            }
        }
        // 1, 3 and 6 trailing symbols cannot come from whole bytes.
        guard [0, 2, 4, 5, 7].contains(symbols % 8) else { throw .invalidBase32Length(symbols) }
        return out
    }
}
