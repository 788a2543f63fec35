import TokenEmulator
import USBIP

/// An emulated device as the USB/IP server exports it: bus position and the record `usbip list` shows.
public struct USBIPExportedDevice: Sendable {
    public let busID: String
    public let busNumber: UInt32
    public let deviceNumber: UInt32
    public let device: EmulatedUSBDevice

    public init(busNumber: UInt32 = 1, port: UInt32, device: EmulatedUSBDevice) {
        self.busID = "\(busNumber)-\(port)"
        self.busNumber = busNumber
        self.deviceNumber = port + 1
        self.device = device
    }

    public var record: USBIPDeviceRecord {
        let description = device.descriptors.description
        return USBIPDeviceRecord(
            path: "/sys/devices/platform/otpkit-emulator/usb\(busNumber)/\(busID)", busID: busID,
            busNumber: busNumber, deviceNumber: deviceNumber, speed: .full,
            vendorID: description.vendorID, productID: description.productID, deviceVersion: description.deviceVersion,
            interfaces: description.interfaces.map {
                .init(interfaceClass: USBDescriptorSet.hidClass, subclass: $0.subclass, interfaceProtocol: $0.interfaceProtocol)
            })
    }
}
