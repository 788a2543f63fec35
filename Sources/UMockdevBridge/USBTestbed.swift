import CUMockdev
import Dispatch
import Glibc
import Synchronization
import TokenEmulator
import USBProtocol

/// Emulated devices as USB devices of a umockdev testbed (fake sysfs, /dev/bus/usb nodes and udev events), answered
/// in this process through libumockdev's ioctl handlers. A program run with `childEnvironment` (libumockdev's
/// LD_PRELOAD and the testbed's folder) sees them as plugged into bus 1, with no kernel USB support and no root:
/// libusb programs (otpkit, Yubico's tools, libnitrokey) use them unchanged. Programs that call ioctl through raw
/// system calls, or use hidraw, are not covered.
public final class USBTestbed: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let preloadLibrary = "libumockdev-preload.so.0"

    /// Where the preload library is installed (Debian's `umockdev` package), or nil: without it a child would run
    /// without seeing the tokens (the dynamic linker only warns), so callers refuse to start instead.
    public static var installedPreloadLibrary: String? {
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu"]
            .map { $0 + "/" + preloadLibrary }
            .first { access($0, R_OK) == 0 }
    }

    nonisolated(unsafe) private let testbed: UnsafeMutablePointer<UMockdevTestbed>
    private let devices = Mutex<[String: UsbdevfsDevice]>([:])  // by bus id
    private let log: @Sendable (String) -> Void

    /// The testbed's root folder (under $TMPDIR; removed when the testbed goes).
    public let rootDirectory: String

    public init(log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        guard let testbed = umockdev_testbed_new() else { throw Failure(description: "umockdev could not create a testbed") }
        self.testbed = testbed
        self.log = log
        let root = umockdev_testbed_get_root_dir(testbed)
        rootDirectory = root.map { String(cString: $0) } ?? ""
        g_free(root)
    }

    deinit {
        let all = devices.withLock { $0 }
        for (_, device) in all {
            _ = umockdev_testbed_detach_ioctl(testbed, device.record.node, nil)
        }
        g_object_unref(testbed)
    }

    /// The variables a child needs to see the testbed, merged into `base` (an existing LD_PRELOAD is kept after ours).
    public func childEnvironment(_ base: [String: String]) -> [String: String] {
        var environment = base
        let preload = [Self.preloadLibrary, base["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }
        environment["LD_PRELOAD"] = preload.joined(separator: " ")
        environment["UMOCKDEV_DIR"] = rootDirectory
        return environment
    }

    /// Adds `device` at bus 1, `port` (bus id `1-PORT`, device number PORT+1, as the USB/IP server numbers them).
    /// `beforeTransfer` sees every control transfer first (fault injection); a verdict of `.unplug` pulls the device.
    public func add(_ device: EmulatedUSBDevice, port: Int,
                    beforeTransfer: @escaping @Sendable (USBSetupPacket) -> TransferVerdict = { _ in .pass }) throws {
        guard (1...127).contains(port) else { throw Failure(description: "port \(port) is not between 1 and 127") }
        let record = SysfsRecord(bus: 1, port: port, descriptors: device.descriptors)
        let busID = "1-\(port)"
        let bridged = UsbdevfsDevice(record: record, device: device, beforeTransfer: beforeTransfer) { [weak self] in
            // Called inside an ioctl handler: the node is detached after that handler has completed.
            guard let self else { return }
            DispatchQueue.global().async { self.removeFromTestbed(busID) }
        }
        devices.withLock { $0[busID] = bridged }
        try insert(bridged)
    }

    /// The bus ids of the devices added, plugged in or not.
    public var busIDs: [String] { devices.withLock { Array($0.keys) }.sorted() }

    /// Plugs a device in or pulls it out: it appears in or leaves sysfs and /dev/bus/usb, so the next enumeration
    /// sees the change, and a pulled device answers its open clients' URBs with ENODEV. No udev event is sent:
    /// libumockdev's `uevent()` resolves the device through libudev in the calling process, which only works in a
    /// process that runs under the preload itself (this one does not), so hotplug listeners in the child miss it.
    public func setPlugged(_ busID: String, _ plugged: Bool) throws {
        guard let device = devices.withLock({ $0[busID] }) else { throw Failure(description: "no device \(busID)") }
        guard device.isPlugged != plugged else { return }
        device.setPlugged(plugged)
        if plugged {
            device.device.busReset()
            try insert(device)
        } else {
            removeFromTestbed(busID)
        }
    }

    private func insert(_ device: UsbdevfsDevice) throws {
        var error: UnsafeMutablePointer<GError>?
        if umockdev_testbed_add_from_string(testbed, device.record.text, &error) == 0 || error != nil {
            throw Failure(description: "umockdev refused the device record: \(Self.message(error))")
        }
        if umockdev_testbed_attach_ioctl(testbed, device.record.node, device.handler, &error) == 0 || error != nil {
            throw Failure(description: "umockdev could not attach to \(device.record.node): \(Self.message(error))")
        }
    }

    private func removeFromTestbed(_ busID: String) {
        guard let device = devices.withLock({ $0[busID] }) else { return }
        var error: UnsafeMutablePointer<GError>?
        _ = umockdev_testbed_detach_ioctl(testbed, device.record.node, &error)
        if let error { log("umockdev: detaching \(busID): \(Self.message(error))") }
        umockdev_testbed_remove_device(testbed, device.record.sysfsPath)
    }

    private static func message(_ error: UnsafeMutablePointer<GError>?) -> String {
        guard let error else { return "unknown error" }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) } ?? "unknown error"
    }
}
