import Testing
@testable import UMockdevBridge

/// Boot keyboard reports as the kernel's hid-input turns them into evdev records.
@Suite struct KeyboardEventTests {
    /// (type, code, value) of each 24-byte record.
    static func decode(_ records: [[UInt8]]) -> [[Int]] {
        records.map { record in
            #expect(record.count == 24)
            let type = Int(record[16]) | Int(record[17]) << 8, code = Int(record[18]) | Int(record[19]) << 8
            let value = Int(Int32(bitPattern: UInt32(record[20]) | UInt32(record[21]) << 8 | UInt32(record[22]) << 16 | UInt32(record[23]) << 24))
            return [type, code, value]
        }
    }

    @Test func aPressAndAReleaseAreKeyEventsEachEndedBySynReport() {
        var translator = BootKeyboardEvents()
        #expect(Self.decode(translator.events(for: [0, 0, 0x1E, 0, 0, 0, 0, 0])) == [[1, 2, 1], [0, 0, 0]], "KEY_1 down")
        #expect(Self.decode(translator.events(for: [0, 0, 0x1E, 0, 0, 0, 0, 0])) == [], "held: nothing new")
        #expect(Self.decode(translator.events(for: [UInt8](repeating: 0, count: 8))) == [[1, 2, 0], [0, 0, 0]], "KEY_1 up")
        #expect(Self.decode(translator.events(for: [0x02, 0, 0x04, 0x28, 0, 0, 0, 0])) == [[1, 28, 1], [1, 30, 1], [1, 42, 1], [0, 0, 0]],
                "left shift, A and Enter at once")
        #expect(translator.events(for: [0, 0]).isEmpty, "a report too short to read is no event")
    }

    /// Linux's key codes (input-event-codes.h) for every character a token types.
    @Test func everyTypedCharacterHasItsLinuxKeyCode() {
        let expected: [Character: UInt16] = ["1": 2, "9": 10, "0": 11, "\n": 28, "a": 30, "c": 46, "l": 38, "n": 49, "q": 16, "z": 44]
        for (character, code) in expected {
            #expect(KeyboardCapabilities.keyCode(usage: usage(character)) == code, "\(character)")
        }
        #expect(KeyboardCapabilities.keyBits[28 / 8] & 1 << (28 % 8) != 0, "KEY_ENTER is announced")
        #expect(KeyboardCapabilities.eventTypeBitmap == "3", "EV_SYN and EV_KEY")
        #expect(KeyboardCapabilities.keyBitmap.split(separator: " ").count == 2, "keys up to 126 need two longs: \(KeyboardCapabilities.keyBitmap)")
    }

    private func usage(_ character: Character) -> UInt8 {
        switch character {
        case "a"..."z": UInt8(character.asciiValue! - 97) + 0x04
        case "1"..."9": UInt8(character.asciiValue! - 49) + 0x1E
        case "0": 0x27
        default: 0x28
        }
    }
}
