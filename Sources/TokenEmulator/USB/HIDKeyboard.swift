/// Boot-keyboard input reports (modifiers, reserved, six key codes) for typing text, one press and one release a
/// character. Only what OTP tokens type: digits, letters (modhex), Enter.
public enum HIDKeyboard {
    public static func reports(typing text: String) -> [[UInt8]] {
        text.compactMap(usage).flatMap { [[0, 0, $0, 0, 0, 0, 0, 0], [UInt8](repeating: 0, count: 8)] }
    }

    /// The text a sequence of reports types (for tests and logs): every key press, releases skipped.
    public static func text(of reports: [[UInt8]]) -> String {
        String(reports.compactMap { $0.count == 8 && $0[2] != 0 ? character($0[2]) : nil })
    }

    static func usage(_ character: Character) -> UInt8? {
        switch character {
        case "a"..."z": UInt8(character.asciiValue! - Character("a").asciiValue!) + 0x04
        case "1"..."9": UInt8(character.asciiValue! - Character("1").asciiValue!) + 0x1E
        case "0": 0x27
        case "\n": 0x28
        default: nil
        }
    }

    static func character(_ usage: UInt8) -> Character? {
        switch usage {
        case 0x04...0x1D: Character(UnicodeScalar(usage - 0x04 + Character("a").asciiValue!))
        case 0x1E...0x26: Character(UnicodeScalar(usage - 0x1E + Character("1").asciiValue!))
        case 0x27: "0"
        case 0x28: "\n"
        default: nil
        }
    }
}
