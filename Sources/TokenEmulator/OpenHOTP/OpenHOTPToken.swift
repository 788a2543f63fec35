import Foundation
import Synchronization
import USBProtocol

/// An emulated OpenHOTP token: the firmware, its flash (a state file), its button, and its USB identity.
public final class OpenHOTPToken: HIDReportHandler, Sendable {
    public static let vendorID: UInt16 = 0x1209
    /// pid.codes' test PID: for development only (Firmware-spec/OpenHOTP, section 1).
    public static let productID: UInt16 = 0x0001
    static let reportDescriptor: [UInt8] = [
        0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01,
        0x09, 0x02, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x40, 0xB1, 0x02,
        0x09, 0x03, 0x81, 0x02,
        0xC0,
    ]

    /// The firmware and its flash: every change of state happens under this lock, the state write included.
    private let firmware: Mutex<OpenHOTPFirmware>
    private let store: AtomicFileStore<OpenHOTPTokenState>?
    /// A simulated user who presses the button this long after a touch slot starts waiting; nil: nobody does.
    public let autoTouchDelay: TimeInterval?
    private let buttonObserver = Mutex<(@Sendable (OpenHOTPFirmware.ButtonOutcome) -> Void)?>(nil)
    private let storageFails = Atomic<Bool>(false)
    private let device = MadeOnFirstUse<EmulatedHIDDevice>()

    /// Told of every code the button produced, as the real token would present it. Called outside the token's lock,
    /// so it may call back into the token.
    public var onButtonPress: (@Sendable (OpenHOTPFirmware.ButtonOutcome) -> Void)? {
        get { buttonObserver.withLock { $0 } }
        set { buttonObserver.withLock { $0 = newValue } }
    }

    /// Set to make the next state writes fail, as a worn-out flash would (tests of the STORAGE_ERROR path).
    public var failStorage: Bool {
        get { storageFails.load(ordering: .sequentiallyConsistent) }
        set { storageFails.store(newValue, ordering: .sequentiallyConsistent) }
    }

    /// The token as a USB device, made on first use and the same one ever after. The device holds the token (its
    /// handler) and the token its device, as a `lazy var` did: both live as long as the process.
    public var usbDevice: EmulatedHIDDevice {
        device.value { EmulatedHIDDevice(descriptors: USBDescriptorSet(usbDescription), handler: self) }
    }

    /// A token whose state lives in `stateFile` (loaded when present, else created with `serial`), or only in memory.
    public init(serial: UInt32, stateFile: URL? = nil, autoTouchDelay: TimeInterval? = 0.2) throws {
        store = stateFile.map { AtomicFileStore(url: $0) }
        let state = try store?.load() ?? OpenHOTPTokenState(serial: serial)
        firmware = Mutex(OpenHOTPFirmware(state: state))
        self.autoTouchDelay = autoTouchDelay
        if let store, !FileManager.default.fileExists(atPath: store.url.path) { try store.save(state) }
    }

    public init(state: OpenHOTPTokenState, autoTouchDelay: TimeInterval? = nil) {
        store = nil
        firmware = Mutex(OpenHOTPFirmware(state: state))
        self.autoTouchDelay = autoTouchDelay
    }

    public var state: OpenHOTPTokenState { firmware.withLock { $0.state } }
    public var serial: UInt32 { state.serial }
    /// Whether a request waits for the button now (a slot that needs touch, PENDING until a press).
    public var isWaitingForTouch: Bool { firmware.withLock { $0.waitingForTouchSince != nil } }

    public var usbDescription: USBDeviceDescription {
        USBDeviceDescription(
            vendorID: Self.vendorID, productID: Self.productID,
            deviceVersion: UInt16(OpenHOTPFirmware.firmwareVersion.major) << 8 | UInt16(OpenHOTPFirmware.firmwareVersion.minor),
            manufacturer: "otpkit", product: "OpenHOTP token", serialNumber: String(format: "%08u", serial),
            interfaces: [HIDInterfaceDescription(reportDescriptor: Self.reportDescriptor,
                                                 endpoints: [.interruptIn(1, maxPacketSize: 64, interval: 10)])])
    }

    /// A press of the token's button.
    @discardableResult
    public func pressButton() -> OpenHOTPFirmware.ButtonOutcome {
        let outcome = firmware.withLock { $0.pressButton(now: Date(), persist: persist) }
        if outcome != .nothing { onButtonPress?(outcome) }
        return outcome
    }

    // MARK: HIDReportHandler

    public func setReport(type: UInt8, id: UInt8, interface: Int, data: [UInt8]) -> Bool {
        guard type == HIDRequest.featureReportType, id == 0, interface == 0, data.count == OpenHOTPWire.reportSize else {
            return false
        }
        firmware.withLock { $0.receive(data, now: Date(), persist: persist) }
        return true
    }

    public func getReport(type: UInt8, id: UInt8, interface: Int, length: Int) -> [UInt8]? {
        guard type == HIDRequest.featureReportType, id == 0, interface == 0, length == OpenHOTPWire.reportSize else {
            return nil
        }
        // The simulated user presses once the delay has passed; until then the host keeps reading PENDING.
        // Nothing sleeps here: the caller may be an event loop serving other tokens.
        // The check, the press and the reply are one step, so a manual press in between cannot turn this into a
        // second one; the observer hears of the press after the lock is let go.
        let now = Date()
        let (autoPress, reply) = firmware.withLock { firmware -> (OpenHOTPFirmware.ButtonOutcome?, [UInt8]) in
            var pressed: OpenHOTPFirmware.ButtonOutcome?
            if let delay = autoTouchDelay, let since = firmware.waitingForTouchSince, now.timeIntervalSince(since) >= delay {
                pressed = firmware.pressButton(now: now, persist: persist)
            }
            return (pressed, firmware.currentReply(now: now))
        }
        if let autoPress, autoPress != .nothing { onButtonPress?(autoPress) }
        return reply
    }

    public func interruptIn(endpoint: UInt8) -> [UInt8]? { nil }

    public func busReset() {
        firmware.withLock { $0.reset() }
    }

    /// Called with the lock held: the state write must finish before the firmware adopts the state.
    private func persist(_ state: OpenHOTPTokenState) -> Bool {
        if failStorage { return false }
        guard let store else { return true }
        do {
            try store.save(state)
            return true
        } catch {
            return false
        }
    }
}
