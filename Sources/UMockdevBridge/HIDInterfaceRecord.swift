import TokenEmulator

/// The sysfs and udev records of one HID interface of a testbed USB device, in the kernel's shape (see
/// `../shared/reference/hidraw-evdev.md`): the `usb_interface`, the `hid` device below it (uevent `HID_ID`,
/// `HID_NAME`, `HID_PHYS`, `HID_UNIQ`, its `report_descriptor`), its `hidraw/hidrawN` with /dev/hidrawN, and for a
/// boot keyboard an `input/inputN` with `eventM` and /dev/input/eventM (udev's `ID_INPUT_KEYBOARD`).
struct HIDInterfaceRecord {
    static let usbBusType = 3
    /// hidraw's major is given out by the kernel at boot; this is a common one. The input major is fixed.
    static let hidrawMajor = 241
    static let inputMajor = 13

    /// The numbers a kernel gives out as devices come: the HID device's sequence, the hidraw minor, and for a
    /// keyboard the input device and event node numbers.
    struct Numbers {
        let hidSequence: Int
        let hidraw: Int
        let keyboard: (input: Int, event: Int)?
    }

    let usb: SysfsRecord
    let number: Int
    let numbers: Numbers

    var device: USBDescriptorSet { usb.descriptors }
    private var description: HIDInterfaceDescription { device.description.interfaces[number] }
    var reportDescriptor: [UInt8] { description.reportDescriptor }
    /// A boot-protocol keyboard (interface subclass 1, protocol 1), which the kernel also makes an input device.
    static func isKeyboard(_ interface: HIDInterfaceDescription) -> Bool { interface.subclass == 1 && interface.interfaceProtocol == 1 }
    /// The interface's interrupt IN endpoint, whose reports hidraw's read and the keyboard's events carry.
    var interruptInEndpoint: UInt8? { description.endpoints.first { $0.address & 0x80 != 0 }?.address }

    /// usbhid's name: the manufacturer and product strings.
    var hidName: String { [device.description.manufacturer, device.description.product].filter { !$0.isEmpty }.joined(separator: " ") }
    var hidPhys: String { "usb-otpkit-umockdev-\(usb.port)/input\(number)" }
    var hidUniq: String { device.description.serialNumber }

    private var interfacePath: String { usb.sysfsPath + "/\(usb.bus)-\(usb.port):1.\(number)" }
    private var hidDeviceName: String {
        "\(Self.hex(Self.usbBusType, 4)):\(Self.hex(Int(device.description.vendorID), 4)):\(Self.hex(Int(device.description.productID), 4)).\(Self.hex(numbers.hidSequence, 4))"
    }
    private var hidPath: String { interfacePath + "/" + hidDeviceName }
    var hidrawPath: String { hidPath + "/hidraw/hidraw\(numbers.hidraw)" }
    var hidrawNode: String { "/dev/hidraw\(numbers.hidraw)" }
    var hidrawDevice: String { "\(Self.hidrawMajor):\(numbers.hidraw)" }
    var inputPath: String? { numbers.keyboard.map { hidPath + "/input/input\($0.input)" } }
    var eventPath: String? { numbers.keyboard.flatMap { keyboard in inputPath.map { $0 + "/event\(keyboard.event)" } } }
    var eventNode: String? { numbers.keyboard.map { "/dev/input/event\($0.event)" } }
    var eventDevice: String? { numbers.keyboard.map { "\(Self.inputMajor):\(64 + $0.event)" } }

    /// umockdev-record text of every device of this interface, parents first, blank lines between.
    var text: String {
        let descriptionValues = device.description
        let vendor = Self.hex(Int(descriptionValues.vendorID), 4), product = Self.hex(Int(descriptionValues.productID), 4)
        var blocks: [[String]] = []
        blocks.append([
            "P: " + Self.devicesPath(interfacePath),
            "E: SUBSYSTEM=usb", "E: DEVTYPE=usb_interface", "E: DRIVER=usbhid",
            "E: PRODUCT=\(String(descriptionValues.vendorID, radix: 16))/\(String(descriptionValues.productID, radix: 16))/\(String(descriptionValues.deviceVersion, radix: 16))",
            "E: INTERFACE=3/\(description.subclass)/\(description.interfaceProtocol)",
            "E: MODALIAS=usb:v\(vendor.uppercased())p\(product.uppercased())d\(Self.hex(Int(descriptionValues.deviceVersion), 4).uppercased())dc00dsc00dp00ic03isc\(Self.hex(Int(description.subclass), 2).uppercased())ip\(Self.hex(Int(description.interfaceProtocol), 2).uppercased())in\(Self.hex(number, 2).uppercased())",
            "A: bInterfaceNumber=\(Self.hex(number, 2))\\n", "A: bAlternateSetting= 0\\n", "A: bInterfaceClass=03\\n",
            "A: bInterfaceSubClass=\(Self.hex(Int(description.subclass), 2))\\n",
            "A: bInterfaceProtocol=\(Self.hex(Int(description.interfaceProtocol), 2))\\n",
            "A: bNumEndpoints=\(Self.hex(description.endpoints.count, 2))\\n",
        ])
        blocks.append([
            "P: " + Self.devicesPath(hidPath),
            "E: SUBSYSTEM=hid", "E: DRIVER=hid-generic",
            "E: HID_ID=\(Self.hex(Self.usbBusType, 4)):\(Self.hex(Int(descriptionValues.vendorID), 8)):\(Self.hex(Int(descriptionValues.productID), 8))",
            "E: HID_NAME=\(SysfsRecord.attribute(hidName))", "E: HID_PHYS=\(hidPhys)", "E: HID_UNIQ=\(SysfsRecord.attribute(hidUniq))",
            "E: MODALIAS=hid:b0003g0001v0000\(vendor.uppercased())p0000\(product.uppercased())",
            "H: report_descriptor=" + reportDescriptor.map { Self.hex(Int($0), 2).uppercased() }.joined(),
        ])
        blocks.append([
            "P: " + Self.devicesPath(hidrawPath),
            "N: hidraw\(numbers.hidraw)=00",
            "E: SUBSYSTEM=hidraw", "E: DEVNAME=\(hidrawNode)",
            "E: MAJOR=\(Self.hidrawMajor)", "E: MINOR=\(numbers.hidraw)",
            "A: dev=\(hidrawDevice)\\n",
            "L: device=../../../\(hidDeviceName)",
        ])
        if let keyboard = numbers.keyboard, let inputPath, let eventPath, let eventDevice {
            let keys = KeyboardCapabilities.keyBitmap
            blocks.append([
                "P: " + Self.devicesPath(inputPath),
                "E: SUBSYSTEM=input",
                "E: PRODUCT=3/\(String(descriptionValues.vendorID, radix: 16))/\(String(descriptionValues.productID, radix: 16))/\(String(descriptionValues.deviceVersion, radix: 16))",
                "E: NAME=\"\(SysfsRecord.attribute(hidName))\"", "E: PHYS=\"\(hidPhys)\"", "E: UNIQ=\"\(SysfsRecord.attribute(hidUniq))\"",
                "E: EV=\(KeyboardCapabilities.eventTypeBitmap)", "E: KEY=\(keys)",
                "E: ID_INPUT=1", "E: ID_INPUT_KEY=1", "E: ID_INPUT_KEYBOARD=1",
                "A: name=\(SysfsRecord.attribute(hidName))\\n", "A: phys=\(hidPhys)\\n", "A: uniq=\(SysfsRecord.attribute(hidUniq))\\n",
                "A: id/bustype=\(Self.hex(Self.usbBusType, 4))\\n", "A: id/vendor=\(vendor)\\n", "A: id/product=\(product)\\n",
                "A: id/version=\(Self.hex(Int(descriptionValues.deviceVersion), 4))\\n",
                "A: capabilities/ev=\(KeyboardCapabilities.eventTypeBitmap)\\n", "A: capabilities/key=\(keys)\\n",
                "L: device=../../../\(hidDeviceName)",
            ])
            blocks.append([
                "P: " + Self.devicesPath(eventPath),
                "N: input/event\(keyboard.event)=00",
                "E: SUBSYSTEM=input", "E: DEVNAME=/dev/input/event\(keyboard.event)",
                "E: MAJOR=\(Self.inputMajor)", "E: MINOR=\(64 + keyboard.event)",
                "E: ID_INPUT=1", "E: ID_INPUT_KEY=1", "E: ID_INPUT_KEYBOARD=1",
                "A: dev=\(eventDevice)\\n",
                "L: device=../../input\(keyboard.input)",
            ])
        }
        return blocks.map { $0.joined(separator: "\n") + "\n" }.joined(separator: "\n")
    }

    /// The sysfs paths of this interface's devices, children first: the order to remove them in (umockdev 0.17's
    /// `remove_device` leaves the class and bus links of a removed device's children behind).
    var devicePathsChildrenFirst: [String] { [eventPath, inputPath].compactMap { $0 } + [hidrawPath, hidPath, interfacePath] }

    /// The /sys/dev/char links of this interface's nodes (umockdev leaves them when it removes a device).
    var characterDevices: [String] { [hidrawDevice] + (eventDevice.map { [$0] } ?? []) }

    private static func devicesPath(_ sysfsPath: String) -> String { String(sysfsPath.dropFirst("/sys".count)) }

    static func hex(_ value: Int, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
