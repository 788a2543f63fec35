/// What the kernel's hid-input makes of a boot keyboard's reports: Linux key codes (linux/input-event-codes.h) for
/// the HID keyboard usages (HID Usage Tables, page 0x07), and the capability bitmaps an evdev keyboard announces.
/// Only the keys a token types (letters, digits, Enter) and the modifiers.
enum KeyboardCapabilities {
    static let eventSync: UInt16 = 0x00, eventKey: UInt16 = 0x01
    static let syncReport: UInt16 = 0

    /// `KEY_A`...`KEY_Z` in the order of usages 0x04...0x1D (a...z): the kernel numbers keys by their place on a
    /// PC keyboard, not alphabetically.
    private static let letters: [UInt16] = [30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44]
    /// Usages 0xE0...0xE7: left control, shift, alt, meta; right control, shift, alt, meta.
    private static let modifiers: [UInt16] = [29, 42, 56, 125, 97, 54, 100, 126]

    /// The Linux key code of a HID keyboard usage, or nil for one the emulated keyboards never send.
    static func keyCode(usage: UInt8) -> UInt16? {
        switch usage {
        case 0x04...0x1D: letters[Int(usage - 0x04)]
        case 0x1E...0x26: UInt16(usage - 0x1E) + 2  // KEY_1 is 2 ... KEY_9 is 10
        case 0x27: 11                                // KEY_0
        case 0x28: 28                                // KEY_ENTER
        case 0xE0...0xE7: modifiers[Int(usage - 0xE0)]
        default: nil
        }
    }

    /// Every key code the keyboard may send.
    static let keyCodes: [UInt16] = (Array(0x04...0x28) + Array(0xE0...0xE7)).compactMap { keyCode(usage: UInt8($0)) }.sorted()

    /// The key bitmap (`EVIOCGBIT(EV_KEY, ...)`): bit N for key code N, little-endian bytes, 768 bits (KEY_MAX + 1).
    static let keyBits: [UInt8] = {
        var bits = [UInt8](repeating: 0, count: 96)
        for code in keyCodes { bits[Int(code) / 8] |= 1 << (code % 8) }
        return bits
    }()

    /// The event type bitmap (`EVIOCGBIT(0, ...)`): EV_SYN and EV_KEY.
    static let eventTypeBits: [UInt8] = [1 << eventSync | 1 << eventKey, 0, 0, 0]

    /// sysfs and uevent form of the bitmaps: hexadecimal longs, most significant first, leading zero longs left out.
    static var keyBitmap: String { sysfsBitmap(keyBits) }
    static var eventTypeBitmap: String { sysfsBitmap(eventTypeBits) }

    private static func sysfsBitmap(_ bytes: [UInt8]) -> String {
        var longs: [UInt64] = stride(from: 0, to: bytes.count, by: 8).map { start in
            bytes[start..<min(start + 8, bytes.count)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        while longs.count > 1, longs.last == 0 { longs.removeLast() }
        return longs.reversed().enumerated().map { $0.offset == 0 ? String($0.element, radix: 16) : HIDInterfaceRecord.hex(Int($0.element), 16) }
            .joined(separator: " ")
    }
}
