import TokenDrivers
import USBProtocol

/// Feature reports over an imported USB/IP device: HID SET_REPORT/GET_REPORT as control transfers.
public final class USBIPFeatureReportChannel: FeatureReportChannel {
    public let device: USBIPDeviceConnection
    private let interface: UInt16

    public init(device: USBIPDeviceConnection, interface: UInt16 = 0) {
        self.device = device
        self.interface = interface
    }

    public func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        _ = try device.controlTransfer(HIDRequest.setFeatureReport(interface: interface, length: UInt16(report.count)), data: report)
    }

    public func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        let data = try device.controlTransfer(HIDRequest.getFeatureReport(interface: interface, length: UInt16(length)))
        guard data.count == length else { throw .shortTransfer(expected: length, actual: data.count) }
        return data
    }
}
