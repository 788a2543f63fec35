import TokenDrivers
import USBProtocol

/// Anything that runs control transfers on a device: a libusb handle, an imported USB/IP device.
public protocol ControlTransferring: AnyObject {
    func controlTransfer(_ setup: USBSetupPacket, data: [UInt8]) throws(TransportError) -> [UInt8]
    func close()
}

extension LibUSBDeviceHandle: ControlTransferring {}
extension USBIPDeviceConnection: ControlTransferring {}

/// HID feature reports as SET_REPORT/GET_REPORT control transfers: how every transport gives a driver its channel.
public final class HIDFeatureReportChannel: FeatureReportChannel {
    public let device: ControlTransferring
    private let interface: UInt16
    /// Control transfers made so far, and the time spent in them (for `--verbose` and benchmarks).
    public private(set) var transfers = 0
    public private(set) var transferTime: Duration = .zero

    public init(device: ControlTransferring, interface: UInt16 = 0) {
        self.device = device
        self.interface = interface
    }

    public func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        _ = try counted(HIDRequest.setFeatureReport(interface: interface, length: UInt16(report.count)), data: report)
    }

    public func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        let data = try counted(HIDRequest.getFeatureReport(interface: interface, length: UInt16(length)), data: [])
        guard data.count == length else { throw .shortTransfer(expected: length, actual: data.count) }
        return data
    }

    private func counted(_ setup: USBSetupPacket, data: [UInt8]) throws(TransportError) -> [UInt8] {
        let start = ContinuousClock.now
        defer {
            transfers += 1
            transferTime += ContinuousClock.now - start
        }
        return try device.controlTransfer(setup, data: data)
    }
}
