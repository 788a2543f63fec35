import EmulatorServer
import Foundation

/// What `RunningEmulator.start` serves: which tokens, where their state lives, how they behave, where they listen.
public struct EmulatorConfiguration: Sendable {
    /// Whether a simulated user presses the button of a slot that waits for a touch (an OpenHOTP touch slot).
    public enum AutoTouch: Sendable, Equatable {
        /// The button is pressed this long after the slot starts waiting.
        case after(Duration)
        /// Nobody presses: a touch request times out, unless the test presses (`RunningEmulator.press`).
        case never
    }

    /// Whether the tokens are also USB devices of child processes, besides the USB/IP server.
    public enum LocalUSB: Sendable, Equatable {
        /// USB/IP only.
        case none
        /// A umockdev testbed as well: a child run with `RunningEmulator.childEnvironment()` sees the tokens as
        /// USB devices on bus 1 (sysfs, /dev/bus/usb), each HID interface as /dev/hidrawN and the YubiKey's keyboard
        /// as /dev/input/eventN, so libusb, hidraw and evdev programs use them unchanged, without root.
        /// Needs Debian's umockdev package (libumockdev's preload library).
        case umockdevTestbed
    }

    /// The most tokens one emulator serves (bus ids 1-1 to 1-1024).
    public static let maximumTokens = 1024
    /// USB/IP's registered port, where `otpkit` looks for a server when given no address.
    public static let defaultUSBIPPort = USBIPServer.defaultPort

    /// The tokens, in bus order: the first is 1-1.
    public var families: [EmulatedTokenFamily]
    /// A folder for the tokens' slots, counters and PINs (created with mode 0700), so that an emulator started
    /// again on it continues where the last one stopped; nil: memory only.
    public var stateFolder: URL?
    /// The serial of the first new token; the next ones count up. Nil: random.
    public var firstSerial: UInt32?
    /// Whether a simulated user presses a button that waits for a touch.
    public var autoTouch: AutoTouch
    /// Faults armed from the start.
    public var faults: EmulatorFaults
    /// The USB/IP server's address. Anything but loopback exposes the tokens to the network.
    public var host: String
    /// The USB/IP server's port; 0 (the default) picks a free one.
    public var port: Int
    /// USB/IP only, or a umockdev testbed as well (for `childEnvironment()`).
    public var localUSB: LocalUSB
    /// Told of what goes wrong inside the servers (a refused import, a connection closed as a flood).
    public var log: @Sendable (String) -> Void
    /// Told of every code an OpenHOTP token's button presented (serial, slot, code), the simulated user's too.
    public var onOpenHOTPButton: (@Sendable (_ serial: UInt32, _ slot: Int, _ code: String) -> Void)?
    /// Told of every command frame a host sends an emulated YubiKey (70 bytes). Frames hold the secrets being
    /// written: for tests that compare them with a vendor tool's, never for logs.
    public var onYubiKeyFrame: (@Sendable ([UInt8]) -> Void)?

    /// The tokens of `families`, in bus order; every other setting as its property says.
    public init(_ families: [EmulatedTokenFamily] = [.openHOTP], stateFolder: URL? = nil, firstSerial: UInt32? = nil,
                autoTouch: AutoTouch = .after(.milliseconds(200)), faults: EmulatorFaults = .none,
                host: String = "127.0.0.1", port: Int = 0, localUSB: LocalUSB = .none,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.families = families
        self.stateFolder = stateFolder
        self.firstSerial = firstSerial
        self.autoTouch = autoTouch
        self.faults = faults
        self.host = host
        self.port = port
        self.localUSB = localUSB
        self.log = log
    }

    func validated() throws(EmulatorError) -> Self {
        guard !families.isEmpty else { throw .invalidConfiguration("no tokens to emulate") }
        guard families.count <= Self.maximumTokens else { throw .invalidConfiguration("at most \(Self.maximumTokens) tokens") }
        guard (0...65535).contains(port) else { throw .invalidConfiguration("port \(port) is not between 0 and 65535") }
        if let count = faults.dropAfterFeatureTransfers, count < 0 { throw .invalidConfiguration("a drop needs a count of 0 or more") }
        return self
    }
}
