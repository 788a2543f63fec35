import Foundation
import Synchronization
import USBProtocol

/// An emulated Nitrokey Pro (20a0:4108) or Storage (20a0:4109): firmware, state file and USB identity.
public final class NitrokeyToken: HIDReportHandler, Sendable {
    public static let vendorID: UInt16 = 0x20A0
    public enum Model: UInt16, Sendable { case pro = 0x4108, storage = 0x4109 }
    /// A vendor collection with one 64-byte feature report, as Pro firmware since 2018 presents it.
    static let reportDescriptor: [UInt8] = [
        0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x40,
        0x09, 0x02, 0xB1, 0x02, 0xC0,
    ]

    /// The firmware and its flash: every change of state happens under this lock, the state write included.
    private let firmware: Mutex<NitrokeyFirmware>
    private let store: AtomicFileStore<NitrokeyState>?
    public let model: Model
    private let device = MadeOnFirstUse<EmulatedHIDDevice>()
    private let leaveListener = Mutex<(@Sendable () -> Void)?>(nil)

    /// Set by the emulator: called (off the transfer that triggered it) when the key leaves the bus for its
    /// bootloader, after the host read the answer to a right update password. The emulator pulls the token out.
    public var onLeaveBus: (@Sendable () -> Void)? {
        get { leaveListener.withLock { $0 } }
        set { leaveListener.withLock { $0 = newValue } }
    }

    /// The key as a USB device, made on first use and the same one ever after. The device holds the key (its
    /// handler) and the key its device, as a `lazy var` did: both live as long as the process.
    public var usbDevice: EmulatedHIDDevice {
        device.value { EmulatedHIDDevice(descriptors: USBDescriptorSet(usbDescription), handler: self) }
    }

    public init(model: Model = .pro, serial: UInt32, stateFile: URL? = nil) throws {
        self.model = model
        store = stateFile.map { AtomicFileStore(url: $0) }
        let state = try store?.load() ?? NitrokeyState(serial: serial)
        firmware = Mutex(NitrokeyFirmware(state: state, model: model))
        if let store, !FileManager.default.fileExists(atPath: store.url.path) { try store.save(state) }
    }

    public var state: NitrokeyState { firmware.withLock { $0.state } }

    public var usbDescription: USBDeviceDescription {
        USBDeviceDescription(
            vendorID: Self.vendorID, productID: model.rawValue, deviceVersion: 0x0100, manufacturer: "Nitrokey",
            product: model == .pro ? "Nitrokey Pro" : "Nitrokey Storage", serialNumber: String(format: "%012X", state.serial),
            interfaces: [HIDInterfaceDescription(reportDescriptor: Self.reportDescriptor,
                                                 endpoints: [.interruptIn(1, maxPacketSize: 64, interval: 10)])])
    }

    public func setReport(type: UInt8, id: UInt8, interface: Int, data: [UInt8]) -> Bool {
        guard type == HIDRequest.featureReportType, interface == 0, data.count == 64 else { return false }
        firmware.withLock { $0.receive(data, persist: persist) }
        return true
    }

    public func getReport(type: UInt8, id: UInt8, interface: Int, length: Int) -> [UInt8]? {
        guard type == HIDRequest.featureReportType, interface == 0, length == 64 else { return nil }
        let (report, leaves) = firmware.withLock { ($0.currentReport(), $0.takeLeaveForBootloader()) }
        if leaves, let onLeaveBus { DispatchQueue.global().async(execute: onLeaveBus) }
        return report
    }

    public func interruptIn(endpoint: UInt8) -> [UInt8]? { nil }

    /// A reset (or a new plug-in) starts the application again: a bootloader switch not yet taken is forgotten.
    public func busReset() {
        firmware.withLock { $0.leavesForBootloader = false }
    }

    /// Called with the lock held: the state write must finish before the firmware adopts the state.
    private func persist(_ state: NitrokeyState) -> Bool {
        guard let store else { return true }
        return (try? store.save(state)) != nil
    }
}
