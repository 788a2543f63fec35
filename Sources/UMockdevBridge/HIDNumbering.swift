/// The numbers a kernel gives out as HID devices come, one counter each: the HID device's sequence (the `.0001` of
/// `0003:1050:0010.0001`), hidraw minors, input devices and event nodes. A device keeps its numbers when replugged.
struct HIDNumbering {
    private var hidSequence = 1, hidraw = 0, input = 0, event = 0

    mutating func next(keyboard: Bool) -> HIDInterfaceRecord.Numbers {
        defer {
            hidSequence += 1
            hidraw += 1
            if keyboard {
                input += 1
                event += 1
            }
        }
        return HIDInterfaceRecord.Numbers(hidSequence: hidSequence, hidraw: hidraw, keyboard: keyboard ? (input, event) : nil)
    }
}
