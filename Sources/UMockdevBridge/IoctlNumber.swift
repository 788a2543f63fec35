/// An ioctl request number taken apart as the kernel's `_IOC` macro puts it together (asm-generic/ioctl.h): direction
/// (bits 30-31), argument size (16-29), type (8-15) and number (0-7). hidraw and evdev size some requests by the
/// caller's buffer (`HIDIOCGFEATURE(len)`, `EVIOCGNAME(len)`), so they are matched on type and number, the size read.
struct IoctlNumber: Equatable {
    static let none: UInt = 0, write: UInt = 1, read: UInt = 2

    let direction: UInt
    let size: Int
    let type: UInt8
    let number: UInt8

    init(_ raw: UInt) {
        direction = raw >> 30 & 0x3
        size = Int(raw >> 16 & 0x3FFF)
        type = UInt8(raw >> 8 & 0xFF)
        number = UInt8(raw & 0xFF)
    }

    init(direction: UInt, type: Character, number: UInt8, size: Int) {
        self.direction = direction
        self.size = size
        self.type = type.asciiValue ?? 0
        self.number = number
    }

    var raw: UInt { direction << 30 | UInt(size) << 16 | UInt(type) << 8 | UInt(number) }
}
