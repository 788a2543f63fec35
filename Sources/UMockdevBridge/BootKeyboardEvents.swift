import Glibc

/// Turns a boot keyboard's input reports (modifier bits, a reserved byte, up to six usages) into the evdev records
/// the kernel's hid-input makes of them: a press for each key newly down, a release for each key let go, then
/// `SYN_REPORT`. Each record is a 24-byte `struct input_event` (x86_64: a timeval, type, code, value).
struct BootKeyboardEvents {
    private var down: Set<UInt16> = []

    mutating func events(for report: [UInt8]) -> [[UInt8]] {
        guard report.count >= 3 else { return [] }
        var now: Set<UInt16> = []
        for bit in 0..<8 where report[0] & (1 << bit) != 0 {
            if let code = KeyboardCapabilities.keyCode(usage: 0xE0 + UInt8(bit)) { now.insert(code) }
        }
        for usage in report.dropFirst(2) where usage != 0 {
            if let code = KeyboardCapabilities.keyCode(usage: usage) { now.insert(code) }
        }
        let pressed = now.subtracting(down).sorted(), released = down.subtracting(now).sorted()
        down = now
        guard !pressed.isEmpty || !released.isEmpty else { return [] }
        let time = Self.now()
        return released.map { Self.record(time, KeyboardCapabilities.eventKey, $0, 0) }
            + pressed.map { Self.record(time, KeyboardCapabilities.eventKey, $0, 1) }
            + [Self.record(time, KeyboardCapabilities.eventSync, KeyboardCapabilities.syncReport, 0)]
    }

    static let recordSize = 24

    private static func record(_ time: timespec, _ type: UInt16, _ code: UInt16, _ value: Int32) -> [UInt8] {
        le(UInt64(time.tv_sec), 8) + le(UInt64(time.tv_nsec / 1000), 8) + le(UInt64(type), 2) + le(UInt64(code), 2)
            + le(UInt64(UInt32(bitPattern: value)), 4)
    }

    private static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    private static func le(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
