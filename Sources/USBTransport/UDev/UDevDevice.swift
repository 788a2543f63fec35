import CLibUDev
import Foundation
import TokenDrivers

/// A libudev context; released with the last object that uses it.
final class UDevContext {
    let pointer: OpaquePointer

    init() throws(TransportError) {
        guard let context = udev_new() else { throw .io("libudev could not start (udev_new failed)") }
        pointer = context
    }

    deinit { udev_unref(pointer) }
}

/// A supported token plugged into this machine, as udev (sysfs) describes it.
public struct LocalUSBToken: Sendable, Equatable, Encodable {
    public let family: TokenFamily
    public let busNumber: Int
    public let deviceAddress: Int
    public let vendorID: UInt16
    public let productID: UInt16
    public let serial: String?
    public let manufacturer: String?
    public let product: String?
    /// The kernel's device path (e.g. /devices/pci0000:00/.../usb1/1-1): where it is plugged in.
    public let devicePath: String

    public var address: DeviceAddress { .usb(bus: busNumber, address: deviceAddress) }

    /// Reads a udev device; nil when it is not a supported token.
    init?(udevDevice device: OpaquePointer) {
        func attribute(_ name: String) -> String? {
            udev_device_get_sysattr_value(device, name).map { String(cString: $0).trimmingCharacters(in: .whitespaces) }
        }
        func property(_ name: String) -> String? { udev_device_get_property_value(device, name).map { String(cString: $0) } }
        // PRODUCT=vvvv/pppp/bcd (hex, no leading zeros) is in the uevent, so it is there on removal too.
        let product = property("PRODUCT")?.split(separator: "/").compactMap { UInt16($0, radix: 16) } ?? []
        guard product.count >= 2, let supported = SupportedTokens.match(vendorID: product[0], productID: product[1]),
              let bus = (property("BUSNUM") ?? attribute("busnum")).flatMap({ Int($0) }),
              let address = (property("DEVNUM") ?? attribute("devnum")).flatMap({ Int($0) })
        else { return nil }
        self.family = supported.family
        self.busNumber = bus
        self.deviceAddress = address
        self.vendorID = product[0]
        self.productID = product[1]
        self.serial = attribute("serial")
        self.manufacturer = attribute("manufacturer")
        self.product = attribute("product")
        self.devicePath = udev_device_get_devpath(device).map { String(cString: $0) } ?? ""
    }
}

/// Lists the supported tokens on the machine's USB buses (a sysfs scan: no udev daemon needed).
public enum LocalUSBTokens {
    public static func list() throws(TransportError) -> [LocalUSBToken] {
        let context = try UDevContext()
        guard let enumerate = udev_enumerate_new(context.pointer) else { throw .io("udev_enumerate_new failed") }
        defer { udev_enumerate_unref(enumerate) }
        udev_enumerate_add_match_subsystem(enumerate, "usb")
        udev_enumerate_add_match_property(enumerate, "DEVTYPE", "usb_device")
        udev_enumerate_scan_devices(enumerate)
        var tokens: [LocalUSBToken] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let path = udev_list_entry_get_name(current), let device = udev_device_new_from_syspath(context.pointer, path) {
                if let token = LocalUSBToken(udevDevice: device) { tokens.append(token) }
                udev_device_unref(device)
            }
            entry = udev_list_entry_get_next(current)
        }
        return tokens.sorted { ($0.busNumber, $0.deviceAddress) < ($1.busNumber, $1.deviceAddress) }
    }
}
