import Synchronization
import UMockdevBridge

/// The umockdev testbed of a running emulator, if it has one, until the emulator stops: then it is released, and
/// its folder (the fake sysfs and /dev) goes with it, even while something still holds the emulator.
final class TestbedSlot: Sendable {
    private let testbed: Mutex<USBTestbed?>

    init(_ testbed: USBTestbed?) {
        self.testbed = Mutex(testbed)
    }

    var current: USBTestbed? { testbed.withLock { $0 } }

    func setPlugged(_ busID: String, _ plugged: Bool) throws {
        try current?.setPlugged(busID, plugged)
    }

    func release() {
        let released = testbed.withLock { value -> USBTestbed? in
            defer { value = nil }
            return value
        }
        withExtendedLifetime(released) {}
    }
}
