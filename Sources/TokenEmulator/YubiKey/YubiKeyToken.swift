import Foundation
import USBProtocol

/// An emulated YubiKey (OTP interface only): the firmware, its state file, its button, its USB identity.
public final class YubiKeyToken: HIDReportHandler, @unchecked Sendable {
    public static let vendorID: UInt16 = 0x1050
    /// The classic OTP-only YubiKey.
    public static let productID: UInt16 = 0x0010
    /// A boot keyboard: the OTP application's feature reports ride on the keyboard interface.
    static let reportDescriptor: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
    ]

    private let lock = NSLock()
    private var firmware: YubiKeyFirmware
    /// Keyboard reports waiting for the host's interrupt IN transfers: what a touch types.
    private var keystrokes: [[UInt8]] = []
    private let store: AtomicFileStore<YubiKeyState>?
    /// Told of every complete command frame the host sent (70 bytes), before the key acts on it.
    public var onFrame: (@Sendable ([UInt8]) -> Void)?
    public lazy var usbDevice = EmulatedHIDDevice(descriptors: USBDescriptorSet(usbDescription), handler: self)

    public init(serial: UInt32, stateFile: URL? = nil) throws {
        store = stateFile.map { AtomicFileStore(url: $0) }
        let state = try store?.load() ?? YubiKeyState(serial: serial)
        firmware = YubiKeyFirmware(state: state)
        if let store, !FileManager.default.fileExists(atPath: store.url.path) { try store.save(state) }
    }

    public var state: YubiKeyState { lock.withLock { firmware.state } }

    public var usbDescription: USBDeviceDescription {
        let version = YubiKeyFirmware.firmware
        return USBDeviceDescription(
            vendorID: Self.vendorID, productID: Self.productID, deviceVersion: UInt16(version.0) << 8 | UInt16(version.1) << 4 | UInt16(version.2),
            manufacturer: "Yubico", product: "Yubikey", serialNumber: "",
            interfaces: [HIDInterfaceDescription(subclass: 1, interfaceProtocol: 1, reportDescriptor: Self.reportDescriptor,
                                                 endpoints: [.interruptIn(1, maxPacketSize: 8, interval: 10)])])
    }

    /// A touch of the button on `slot`: the key types the code as keyboard reports on its interrupt endpoint
    /// (the token id first when configured, then the digits, then Enter when configured).
    public func touch(slot: Int) -> YubiKeyFirmware.TouchOutcome {
        let outcome = lock.withLock { firmware.touch(slot: slot, persist: persist) }
        if case .typed(let text) = outcome {
            let configuration: [UInt8]? = lock.withLock { firmware.state.slots[slot - 1]?.configuration }
            let enter = (configuration?[46] ?? 0) & 0x20 != 0  // APPEND_CR
            lock.withLock { keystrokes += HIDKeyboard.reports(typing: text + (enter ? "\n" : "")) }
            usbDevice.notifyInterruptData()
        }
        return outcome
    }

    public func setReport(type: UInt8, id: UInt8, interface: Int, data: [UInt8]) -> Bool {
        guard type == HIDRequest.featureReportType, interface == 0, data.count == 8 else { return false }
        lock.withLock { firmware.receive(data, onFrame: { frame in onFrame?(frame) }, persist: persist) }
        return true
    }

    public func getReport(type: UInt8, id: UInt8, interface: Int, length: Int) -> [UInt8]? {
        guard type == HIDRequest.featureReportType, interface == 0, length == 8 else { return nil }
        return lock.withLock { firmware.currentReport() }
    }

    public func interruptIn(endpoint: UInt8) -> [UInt8]? {
        guard endpoint == 0x81 else { return nil }
        return lock.withLock { keystrokes.isEmpty ? nil : keystrokes.removeFirst() }
    }
    public func busReset() {}

    private func persist(_ state: YubiKeyState) -> Bool {
        guard let store else { return true }
        return (try? store.save(state)) != nil
    }
}
