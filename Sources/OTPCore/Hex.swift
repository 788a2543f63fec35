/// Lower-case hexadecimal, as used for secrets in files and on command lines.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex digits of either case; spaces and colons between bytes are allowed (`de:ad be ef`).
    public static func decode(_ text: String) throws(OTPError) -> [UInt8] {
        var nibbles: [UInt8] = []
        for (position, character) in text.utf8.enumerated() {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibbles.append(character - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibbles.append(character - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibbles.append(character - UInt8(ascii: "A") + 10)
            case UInt8(ascii: " "), UInt8(ascii: ":"): continue
            default: throw .invalidHexCharacter(position: position)
            }
        }
        guard nibbles.count % 2 == 0 else { throw .oddHexLength }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }
}
