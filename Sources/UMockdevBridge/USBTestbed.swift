import CUMockdev
import Dispatch
import Glibc
import Synchronization
import TokenEmulator
import USBProtocol

/// Emulated devices as USB devices of a umockdev testbed (fake sysfs, device nodes and udev properties), answered
/// in this process through libumockdev's ioctl, read and write handlers. A program run with `childEnvironment`
/// (libumockdev's LD_PRELOAD and the testbed's folder) sees them as plugged into bus 1, with no kernel USB support
/// and no root: libusb programs (otpkit, Yubico's ykpersonalize, libnitrokey and nitropy over it) through
/// /dev/bus/usb; HID programs (ykman, hidapi's hidraw backend) through each interface's /dev/hidrawN; and a boot keyboard interface
/// (the YubiKey's) is also an evdev keyboard, /dev/input/eventN, typing what the token types. Programs that call
/// ioctl or read through raw system calls are not covered, nor are udev hotplug events (see `setPlugged`).
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
    private let devices = Mutex<[String: BridgedDevice]>([:])  // by bus id
    /// The numbers given out so far (HID devices, hidraw minors, input devices, event nodes), as a kernel counts.
    private let numbering = Mutex(HIDNumbering())
    /// Every node handler ever attached: a client that opened a node before its device was pulled may still call it.
    private let retired = Mutex<[TestbedNodeSignals]>([])
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
        for (_, device) in devices.withLock({ $0 }) {
            for node in device.attached.withLock({ $0 }) { _ = umockdev_testbed_detach_ioctl(testbed, node.path, nil) }
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

    /// Adds `device` at bus 1, `port` (bus id `1-PORT`, device number PORT+1, as the USB/IP server numbers them), with
    /// a hidraw node for each of its HID interfaces and an evdev node for a boot keyboard's. `beforeTransfer` sees
    /// every control transfer first, from either kind of node (fault injection); a verdict of `.unplug` pulls the device.
    public func add(_ device: EmulatedUSBDevice, port: Int,
                    beforeTransfer: @escaping @Sendable (USBSetupPacket) -> TransferVerdict = { _ in .pass }) throws {
        guard (1...127).contains(port) else { throw Failure(description: "port \(port) is not between 1 and 127") }
        let record = SysfsRecord(bus: 1, port: port, descriptors: device.descriptors)
        let busID = "1-\(port)"
        let usb = UsbdevfsDevice(record: record, device: device, beforeTransfer: beforeTransfer) { [weak self] in
            // Called inside an ioctl handler: the nodes are detached after that handler has completed.
            guard let self else { return }
            DispatchQueue.global().async { self.removeFromTestbed(busID) }
        }
        let interfaces = numbering.withLock { numbering in
            device.descriptors.description.interfaces.enumerated().map { number, interface in
                HIDInterfaceRecord(usb: record, number: number, numbers: numbering.next(keyboard: HIDInterfaceRecord.isKeyboard(interface)))
            }
        }
        let bridged = BridgedDevice(usb: usb, interfaces: interfaces)
        devices.withLock { $0[busID] = bridged }
        device.onLocalInterruptData = { [weak bridged] in bridged?.deliverInterruptData() }
        try insert(bridged)
    }

    /// The bus ids of the devices added, plugged in or not.
    public var busIDs: [String] { devices.withLock { Array($0.keys) }.sorted() }

    /// Ends every read blocked on a hidraw or evdev node with EINTR (see `ReadableNode.interrupt`): call it after
    /// sending a child a signal, which umockdev's preload holds back while the child waits in such a read.
    public func interruptBlockedReads() {
        for device in devices.withLock({ Array($0.values) }) {
            for node in device.attached.withLock({ $0 }) { node.reports?.interrupt() }
        }
    }

    /// Plugs a device in or pulls it out: it appears in or leaves sysfs, /dev/bus/usb and its hidraw and evdev nodes,
    /// so the next enumeration sees the change; a pulled device answers its open clients with ENODEV (usbdevfs,
    /// evdev) or EIO (hidraw), a blocked read included. No udev event is sent: libumockdev's `uevent()` resolves the
    /// device through libudev in the calling process, which only works in a process that runs under the preload
    /// itself (this one does not), so hotplug listeners in the child miss it.
    public func setPlugged(_ busID: String, _ plugged: Bool) throws {
        guard let device = devices.withLock({ $0[busID] }) else { throw Failure(description: "no device \(busID)") }
        guard device.usb.isPlugged != plugged else { return }
        device.usb.setPlugged(plugged)
        if plugged {
            device.usb.device.busReset()
            try insert(device)
        } else {
            removeFromTestbed(busID)
        }
    }

    private func insert(_ device: BridgedDevice) throws {
        var error: UnsafeMutablePointer<GError>?
        let text = ([device.usb.record.text] + device.interfaces.map(\.text)).joined(separator: "\n")
        if umockdev_testbed_add_from_string(testbed, text, &error) == 0 || error != nil {
            throw Failure(description: "umockdev refused the device record: \(Self.message(error))")
        }
        var nodes = [AttachedNode(path: device.usb.record.node, signals: device.usbSignals, kind: .usbdevfs)]
        for interface in device.interfaces {
            let hidraw = try HidrawNode(interface: interface, usb: device.usb, testbedRoot: rootDirectory)
            nodes.append(AttachedNode(path: interface.hidrawNode, signals: TestbedNodeSignals(hidraw), kind: .hidraw(hidraw)))
            if let eventNode = interface.eventNode {
                let keyboard = try EvdevKeyboardNode(interface: interface, testbedRoot: rootDirectory)
                nodes.append(AttachedNode(path: eventNode, signals: TestbedNodeSignals(keyboard), kind: .keyboard(keyboard)))
            }
        }
        device.attached.withLock { $0 = nodes }
        retired.withLock { $0 += nodes.map(\.signals) }
        for node in nodes {
            let attached = umockdev_testbed_attach_ioctl(testbed, node.path, node.signals.base, &error) != 0
            guard attached, error == nil else { throw Failure(description: "umockdev could not attach to \(node.path): \(Self.message(error))") }
        }
    }

    private func removeFromTestbed(_ busID: String) {
        guard let device = devices.withLock({ $0[busID] }) else { return }
        let nodes = device.attached.withLock { nodes in
            defer { nodes = [] }
            return nodes
        }
        for node in nodes {
            node.reports?.markGone()
            var error: UnsafeMutablePointer<GError>?
            _ = umockdev_testbed_detach_ioctl(testbed, node.path, &error)
            if let error { log("umockdev: detaching \(node.path) of \(busID): \(Self.message(error))") }
        }
        for path in device.interfaces.flatMap(\.devicePathsChildrenFirst) + [device.usb.record.sysfsPath] {
            umockdev_testbed_remove_device(testbed, path)
        }
        // umockdev keeps the /sys/dev/char links of what it removed (it reads `dev` with its newline): a libudev
        // lookup by device number would find a device that is gone.
        for character in [device.usb.record.characterDevice] + device.interfaces.flatMap(\.characterDevices) {
            unlink(rootDirectory + "/sys/dev/char/" + character)
        }
    }

    private static func message(_ error: UnsafeMutablePointer<GError>?) -> String {
        guard let error else { return "unknown error" }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) } ?? "unknown error"
    }
}

/// A device of the testbed with its nodes: the usbdevfs one, and the hidraw and evdev ones of its interfaces, which
/// are made anew at each plug-in (their FIFOs with them).
private final class BridgedDevice: Sendable {
    let usb: UsbdevfsDevice
    let usbSignals: TestbedNodeSignals
    let interfaces: [HIDInterfaceRecord]
    let attached = Mutex<[AttachedNode]>([])

    init(usb: UsbdevfsDevice, interfaces: [HIDInterfaceRecord]) {
        self.usb = usb
        usbSignals = TestbedNodeSignals(usb)
        self.interfaces = interfaces
    }

    /// What the device's interrupt IN endpoints hold goes to every reader of its interfaces, as usbhid hands each
    /// report to hidraw and to the input layer; while the device is out, it is dropped.
    func deliverInterruptData() {
        let nodes = attached.withLock { $0 }
        for interface in interfaces {
            guard let endpoint = interface.interruptInEndpoint else { continue }
            while let report = usb.device.interruptIn(endpoint: endpoint) {
                for node in nodes {
                    switch node.kind {
                    case .hidraw(let hidraw) where hidraw.interface.number == interface.number: hidraw.reports.push([report])
                    case .keyboard(let keyboard) where keyboard.interface.number == interface.number: keyboard.keyboardReport(report)
                    default: break
                    }
                }
            }
        }
    }
}

/// A node attached to the testbed: its path in /dev, its handler, and what kind of node it is.
private struct AttachedNode: Sendable {
    enum Kind: Sendable {
        case usbdevfs
        case hidraw(HidrawNode)
        case keyboard(EvdevKeyboardNode)
    }

    let path: String
    let signals: TestbedNodeSignals
    let kind: Kind

    /// Its readers' queue (hidraw and evdev nodes).
    var reports: ReadableNode? {
        switch kind {
        case .usbdevfs: nil
        case .hidraw(let hidraw): hidraw.reports
        case .keyboard(let keyboard): keyboard.events
        }
    }
}
