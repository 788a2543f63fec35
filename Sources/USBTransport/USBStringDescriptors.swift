import TokenDrivers
import USBProtocol

/// Reads a device's serial number string over any control-transfer path, as sysfs would show it.
enum USBStringDescriptors {
    static let englishUS: UInt16 = 0x0409

    static func serialNumber(of device: ControlTransferring) throws(TransportError) -> String? {
        let descriptor = try device.controlTransfer(
            USBSetupPacket(requestType: 0x80, request: USBStandardRequest.getDescriptor,
                           value: UInt16(USBDescriptorType.device) << 8, index: 0, length: 18), data: [])
        guard descriptor.count == 18, descriptor[16] != 0 else { return nil }
        let string = try device.controlTransfer(
            USBSetupPacket(requestType: 0x80, request: USBStandardRequest.getDescriptor,
                           value: UInt16(USBDescriptorType.string) << 8 | UInt16(descriptor[16]), index: englishUS,
                           length: 255), data: [])
        guard string.count >= 2 else { return nil }
        let units = stride(from: 2, to: min(Int(string[0]), string.count) - 1, by: 2).map { UInt16(string[$0]) | UInt16(string[$0 + 1]) << 8 }
        return String(decoding: units, as: UTF16.self)
    }
}
