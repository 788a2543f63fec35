import Testing
import TokenEmulator
@testable import UMockdevBridge

/// The sysfs records of a HID interface, in the shape hidapi and libudev walk.
@Suite struct HIDInterfaceRecordTests {
    @Test func aYubiKeysKeyboardInterfaceHasHidrawAndEvdevRecords() throws {
        let key = try YubiKeyToken(serial: 4711)
        var numbering = HIDNumbering()
        _ = numbering.next(keyboard: false)  // another device came first
        let record = HIDInterfaceRecord(usb: SysfsRecord(bus: 1, port: 2, descriptors: key.usbDevice.descriptors), number: 0,
                                        numbers: numbering.next(keyboard: true))
        let text = record.text
        for line in ["P: /devices/otpkit-umockdev/usb1/1-2/1-2:1.0", "E: DEVTYPE=usb_interface", "A: bInterfaceClass=03\\n",
                     "P: /devices/otpkit-umockdev/usb1/1-2/1-2:1.0/0003:1050:0010.0002", "E: HID_ID=0003:00001050:00000010",
                     "E: HID_NAME=Yubico Yubikey", "E: HID_PHYS=usb-otpkit-umockdev-2/input0",
                     "P: /devices/otpkit-umockdev/usb1/1-2/1-2:1.0/0003:1050:0010.0002/hidraw/hidraw1", "N: hidraw1=00",
                     "E: DEVNAME=/dev/hidraw1", "L: device=../../../0003:1050:0010.0002", "E: ID_INPUT_KEYBOARD=1",
                     "N: input/event0=00", "E: DEVNAME=/dev/input/event0", "A: dev=13:64\\n"] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        #expect(text.contains("H: report_descriptor=05010906A101"), "the descriptor a keyboard's starts with")
        #expect(record.devicePathsChildrenFirst.last == "/sys/devices/otpkit-umockdev/usb1/1-2/1-2:1.0")
        #expect(record.characterDevices == ["241:1", "13:64"])
    }

    @Test func aVendorInterfaceHasNoKeyboard() throws {
        let key = try NitrokeyToken(model: .storage, serial: 0x141)
        var numbering = HIDNumbering()
        let interface = key.usbDevice.descriptors.description.interfaces[0]
        let record = HIDInterfaceRecord(usb: SysfsRecord(bus: 1, port: 1, descriptors: key.usbDevice.descriptors), number: 0,
                                        numbers: numbering.next(keyboard: HIDInterfaceRecord.isKeyboard(interface)))
        #expect(record.eventNode == nil && !record.text.contains("SUBSYSTEM=input"))
        #expect(record.text.contains("E: HID_UNIQ=000000000141\n") && record.text.contains("E: HID_NAME=Nitrokey Nitrokey Storage\n"))
    }
}
