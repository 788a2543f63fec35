import TokenEmulator

/// The umockdev record (its `umockdev-record` text format) of one USB device: what libusb reads from sysfs
/// (attributes and the binary `descriptors`) and udev (properties). Only the `N:` line makes the testbed create the
/// /dev node libusb opens.
struct SysfsRecord {
    let bus: Int
    let port: Int
    let descriptors: USBDescriptorSet

    /// Device numbers follow the ports, as the USB/IP server numbers them (port 1 is device 2).
    var address: Int { port + 1 }
    var sysfsPath: String { "/sys/devices/otpkit-umockdev/usb\(bus)/\(bus)-\(port)" }
    var node: String { "/dev/" + nodeName }
    private var nodeName: String { "bus/usb/" + Self.padded(bus) + "/" + Self.padded(address) }

    /// The major:minor of the /dev/bus/usb node (usb_device major 189).
    var characterDevice: String { "189:\((bus - 1) * 128 + address - 1)" }

    var text: String {
        let description = descriptors.description
        let vendor = Self.hex4(description.vendorID), product = Self.hex4(description.productID)
        let release = Self.hex4(description.deviceVersion)
        let blob = (descriptors.device + descriptors.configuration).map { Self.hex2($0) }.joined()
        return [
            "P: /devices/otpkit-umockdev/usb\(bus)/\(bus)-\(port)",
            "N: \(nodeName)",
            "E: SUBSYSTEM=usb", "E: DEVNAME=/dev/\(nodeName)", "E: DEVTYPE=usb_device",
            "E: BUSNUM=\(Self.padded(bus))", "E: DEVNUM=\(Self.padded(address))",
            "E: PRODUCT=\(String(description.vendorID, radix: 16))/\(String(description.productID, radix: 16))/\(String(description.deviceVersion, radix: 16))",
            "A: busnum=\(bus)\\n", "A: devnum=\(address)\\n", "A: speed=12\\n", "A: bConfigurationValue=1\\n",
            "A: idVendor=\(vendor)\\n", "A: idProduct=\(product)\\n", "A: bcdDevice=\(release)\\n",
            "A: serial=\(Self.attribute(description.serialNumber))\\n",
            "A: manufacturer=\(Self.attribute(description.manufacturer))\\n",
            "A: product=\(Self.attribute(description.product))\\n",
            "A: dev=\(characterDevice)\\n",
            "H: descriptors=\(blob)",
        ].joined(separator: "\n") + "\n"
    }

    /// An attribute value on one line of the record: printable ASCII only.
    static func attribute(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0 != "\\" }.map(Character.init))
    }

    private static func padded(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    private static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private static func hex2(_ value: UInt8) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}
