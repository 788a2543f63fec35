import Foundation
import Synchronization
import USBProtocol

/// The USB device layer of an emulated HID token: answers the standard and HID class requests on endpoint 0
/// and hands reports to a `HIDReportHandler`. Anything it does not know STALLs, as a device's chapter 9 says.
public final class EmulatedHIDDevice: EmulatedUSBDevice, Sendable {
    public let descriptors: USBDescriptorSet
    public let handler: HIDReportHandler

    /// What the host set up on this device, and who to tell of interrupt data.
    private struct Bus {
        var configurationValue: UInt8 = 0
        var interruptListener: (@Sendable () -> Void)?
        var localInterruptListener: (@Sendable () -> Void)?
    }
    private let bus = Mutex(Bus())

    public var onInterruptData: (@Sendable () -> Void)? {
        get { bus.withLock { $0.interruptListener } }
        set { bus.withLock { $0.interruptListener = newValue } }
    }

    public var onLocalInterruptData: (@Sendable () -> Void)? {
        get { bus.withLock { $0.localInterruptListener } }
        set { bus.withLock { $0.localInterruptListener = newValue } }
    }

    /// The product has queued interrupt data: tell the front end, which completes a waiting transfer (a USB/IP
    /// client before a local one). The listener runs outside the lock: it may come back to this device.
    public func notifyInterruptData() {
        let listener = bus.withLock { $0.interruptListener ?? $0.localInterruptListener }
        listener?()
    }

    public init(descriptors: USBDescriptorSet, handler: HIDReportHandler) {
        self.descriptors = descriptors
        self.handler = handler
    }

    public func control(_ setup: USBSetupPacket, data: [UInt8]) -> USBControlResult {
        switch setup.kind {
        case .standard: standard(setup)
        case .class: hidClass(setup, data: data)
        default: .stall
        }
    }

    public func interruptIn(endpoint: UInt8) -> [UInt8]? {
        handler.interruptIn(endpoint: endpoint)
    }

    public func busReset() {
        bus.withLock { $0.configurationValue = 0 }
        handler.busReset()
    }

    private func standard(_ setup: USBSetupPacket) -> USBControlResult {
        let interfaceCount = descriptors.description.interfaces.count
        switch (setup.request, setup.isDeviceToHost) {
        case (USBStandardRequest.getDescriptor, true):
            return descriptor(setup)
        case (USBStandardRequest.getStatus, true):
            return .completed([0, 0])
        case (USBStandardRequest.getConfiguration, true):
            return .completed([bus.withLock { $0.configurationValue }])
        case (USBStandardRequest.setConfiguration, false) where setup.value <= 1:
            bus.withLock { $0.configurationValue = UInt8(setup.value) }
            return .completed([])
        case (USBStandardRequest.getInterface, true) where Int(setup.index) < interfaceCount:
            return .completed([0])
        case (USBStandardRequest.setInterface, false) where Int(setup.index) < interfaceCount && setup.value == 0:
            return .completed([])
        case (USBStandardRequest.setAddress, false):
            return .completed([])
        case (USBStandardRequest.clearFeature, false), (USBStandardRequest.setFeature, false):
            // Only ENDPOINT_HALT (feature 0) on an endpoint this device has; anything else STALLs.
            let endpoints: [UInt16] = [0] + descriptors.description.interfaces.flatMap { $0.endpoints.map { UInt16($0.address) } }
            return setup.recipient == .endpoint && setup.value == 0 && endpoints.contains(setup.index) ? .completed([]) : .stall
        default:
            return .stall
        }
    }

    private func descriptor(_ setup: USBSetupPacket) -> USBControlResult {
        let type = UInt8(setup.value >> 8), index = UInt8(setup.value & 0xff)
        let interfaces = descriptors.description.interfaces
        let bytes: [UInt8]?
        switch (type, setup.recipient) {
        case (USBDescriptorType.device, .device): bytes = descriptors.device
        case (USBDescriptorType.configuration, .device): bytes = index == 0 ? descriptors.configuration : nil
        case (USBDescriptorType.string, .device): bytes = descriptors.string(index)
        case (USBDescriptorType.hid, .interface) where Int(setup.index) < interfaces.count:
            bytes = USBDescriptorSet.hidDescriptor(interfaces[Int(setup.index)])
        case (USBDescriptorType.hidReport, .interface) where Int(setup.index) < interfaces.count:
            bytes = interfaces[Int(setup.index)].reportDescriptor
        default: bytes = nil  // DEVICE_QUALIFIER among them: a full-speed device has none
        }
        return bytes.map { .completed(Array($0.prefix(Int(setup.length)))) } ?? .stall
    }

    private func hidClass(_ setup: USBSetupPacket, data: [UInt8]) -> USBControlResult {
        let interface = Int(setup.index)
        guard setup.recipient == .interface, interface < descriptors.description.interfaces.count else { return .stall }
        let reportType = UInt8(setup.value >> 8), reportID = UInt8(setup.value & 0xff)
        switch (setup.request, setup.isDeviceToHost) {
        case (HIDRequest.setReport, false):
            return handler.setReport(type: reportType, id: reportID, interface: interface, data: data) ? .completed([]) : .stall
        case (HIDRequest.getReport, true):
            return handler.getReport(type: reportType, id: reportID, interface: interface, length: Int(setup.length))
                .map { .completed(Array($0.prefix(Int(setup.length)))) } ?? .stall
        case (HIDRequest.setIdle, false):
            return .completed([])
        default:
            return .stall
        }
    }
}
