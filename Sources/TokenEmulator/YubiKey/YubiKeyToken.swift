import Foundation
import Synchronization
import USBProtocol

/// An emulated YubiKey (OTP interface only): the firmware, its state file, its button, its USB identity.
public final class YubiKeyToken: HIDReportHandler, Sendable {
    public static let vendorID: UInt16 = 0x1050
    /// SET_REPORT's report type of an output report (HID 1.11, section 7.2.1).
    static let outputReportType: UInt8 = 2
    /// The classic OTP-only YubiKey.
    public static let productID: UInt16 = 0x0010
    /// A boot keyboard: the OTP application's feature reports ride on the keyboard interface.
    static let reportDescriptor: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
    ]

    /// The firmware, and the keyboard reports waiting for the host's interrupt IN transfers (what a touch types).
    private struct Key {
        var firmware: YubiKeyFirmware
        var keystrokes: [[UInt8]] = []
    }
    /// Every change of state happens under this lock, the state write included.
    private let key: Mutex<Key>
    private let store: AtomicFileStore<YubiKeyState>?
    private let frameObserver = Mutex<(@Sendable ([UInt8]) -> Void)?>(nil)
    private let device = MadeOnFirstUse<EmulatedHIDDevice>()

    /// Told of every complete command frame the host sent (70 bytes), after the key acted on it and before
    /// SET_REPORT completes. Called outside
    /// the key's lock, so it may be slow (a log write) or call back into the key.
    public var onFrame: (@Sendable ([UInt8]) -> Void)? {
        get { frameObserver.withLock { $0 } }
        set { frameObserver.withLock { $0 = newValue } }
    }

    /// The key as a USB device, made on first use and the same one ever after. The device holds the key (its
    /// handler) and the key its device, as a `lazy var` did: both live as long as the process.
    public var usbDevice: EmulatedHIDDevice {
        device.value { EmulatedHIDDevice(descriptors: USBDescriptorSet(usbDescription), handler: self) }
    }

    public init(serial: UInt32, stateFile: URL? = nil) throws {
        store = stateFile.map { AtomicFileStore(url: $0) }
        let state = try store?.load() ?? YubiKeyState(serial: serial)
        key = Mutex(Key(firmware: YubiKeyFirmware(state: state)))
        if let store, !FileManager.default.fileExists(atPath: store.url.path) { try store.save(state) }
    }

    public var state: YubiKeyState { key.withLock { $0.firmware.state } }

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
        let outcome = key.withLock { key -> YubiKeyFirmware.TouchOutcome in
            let outcome = key.firmware.touch(slot: slot, persist: persist)
            if case .typed(let text) = outcome {
                let configuration = key.firmware.state.slots[slot - 1]?.configuration
                let enter = (configuration?[46] ?? 0) & 0x20 != 0  // APPEND_CR
                key.keystrokes += HIDKeyboard.reports(typing: text + (enter ? "\n" : ""))
            }
            return outcome
        }
        if case .typed = outcome { usbDevice.notifyInterruptData() }
        return outcome
    }

    public func setReport(type: UInt8, id: UInt8, interface: Int, data: [UInt8]) -> Bool {
        // The keyboard's output report is its LEDs (Num Lock and the like): taken, and nothing to light.
        if type == Self.outputReportType, interface == 0, data.count == 1 { return true }
        guard type == HIDRequest.featureReportType, interface == 0, data.count == 8 else { return false }
        var completedFrame: [UInt8]?
        key.withLock { $0.firmware.receive(data, onFrame: { completedFrame = $0 }, persist: persist) }
        if let completedFrame { onFrame?(completedFrame) }
        return true
    }

    public func getReport(type: UInt8, id: UInt8, interface: Int, length: Int) -> [UInt8]? {
        guard type == HIDRequest.featureReportType, interface == 0, length >= 8 else { return nil }  // a longer GET_REPORT gets the 8 bytes (a short packet)
        return key.withLock { $0.firmware.currentReport() }
    }

    public func interruptIn(endpoint: UInt8) -> [UInt8]? {
        guard endpoint == 0x81 else { return nil }
        return key.withLock { $0.keystrokes.isEmpty ? nil : $0.keystrokes.removeFirst() }
    }
    public func busReset() {}

    /// Called with the lock held: the state write must finish before the firmware adopts the state.
    private func persist(_ state: YubiKeyState) -> Bool {
        guard let store else { return true }
        return (try? store.save(state)) != nil
    }
}
