import CUMockdev
import Glibc
import Synchronization

/// One /dev/input/eventN of the testbed: a boot-keyboard interface of an emulated device as the kernel's evdev shows
/// it to a desktop or python-evdev. Its identity and capability ioctls are answered here; what the device types
/// (the reports of its interrupt IN endpoint, as `HidrawNode`'s readers get them) is read as key press and release
/// events, each group ended by `SYN_REPORT`.
final class EvdevKeyboardNode: TestbedNodeHandler {
    let interface: HIDInterfaceRecord
    let events: ReadableNode
    private let translator = Mutex(BootKeyboardEvents())

    init(interface: HIDInterfaceRecord, testbedRoot: String) throws(USBTestbed.Failure) {
        self.interface = interface
        let size = BootKeyboardEvents.recordSize
        // The kernel's evdev keeps a few hundred events for each reader; a read takes as many whole ones as fit.
        events = try ReadableNode(path: testbedRoot + (interface.eventNode ?? ""), capacity: 512, goneError: ENODEV) { queue, capacity in
            guard capacity >= size else { return nil }
            let count = min(queue.count, capacity / size)
            defer { queue.removeFirst(count) }
            return queue.prefix(count).flatMap { $0 }
        }
    }

    /// A keyboard report from the device: its key changes become events.
    func keyboardReport(_ report: [UInt8]) {
        events.push(translator.withLock { $0.events(for: report) })
    }

    func handleIoctl(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        let number = IoctlNumber(umockdev_ioctl_client_get_request(client))
        let (result, error): (Int, Int32)
        if number.type == UInt8(ascii: "E"), let arg = umockdev_ioctl_client_get_arg(client) {
            (result, error) = answer(number, arg: arg)
        } else {
            (result, error) = (-1, ENOTTY)
        }
        umockdev_ioctl_client_complete(client, result, error)
    }

    func handleRead(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool {
        events.read(client)
        return true
    }

    /// Events written to a keyboard (its LEDs) are taken and change nothing.
    func handleWrite(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool {
        let count = umockdev_ioctl_client_get_arg(client).map { Int($0.pointee.data_len) } ?? 0
        umockdev_ioctl_client_complete(client, count - count % BootKeyboardEvents.recordSize, 0)
        return true
    }

    private func answer(_ number: IoctlNumber, arg: UnsafeMutablePointer<UMockdevIoctlData>) -> (Int, Int32) {
        let description = interface.device.description
        switch (number.number, number.direction) {
        case (0x01, IoctlNumber.read):  // EVIOCGVERSION
            return fill(IoctlData.le32(0x010001), arg, exact: true)
        case (0x02, IoctlNumber.read):  // EVIOCGID: bus type, vendor, product, version
            let id = [UInt16(HIDInterfaceRecord.usbBusType), description.vendorID, description.productID, description.deviceVersion]
            return fill(id.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, arg, exact: true)
        case (0x06, IoctlNumber.read): return fill(Array(interface.hidName.utf8) + [0], arg, size: number.size)  // EVIOCGNAME
        case (0x07, IoctlNumber.read): return fill(Array(interface.hidPhys.utf8) + [0], arg, size: number.size)  // EVIOCGPHYS
        case (0x08, IoctlNumber.read): return fill(Array(interface.hidUniq.utf8) + [0], arg, size: number.size)  // EVIOCGUNIQ
        case (0x09, IoctlNumber.read): return fill([UInt8](repeating: 0, count: 4), arg, size: number.size)      // EVIOCGPROP
        case (0x18...0x1B, IoctlNumber.read):  // EVIOCGKEY, GLED, GSND, GSW: nothing held down or lit
            let bits = number.number == 0x18 ? KeyboardCapabilities.keyBits.count : 8
            return fill([UInt8](repeating: 0, count: bits), arg, size: number.size)
        case (0x20, IoctlNumber.read): return fill(KeyboardCapabilities.eventTypeBits, arg, size: number.size)  // EVIOCGBIT(0)
        case (0x21, IoctlNumber.read): return fill(KeyboardCapabilities.keyBits, arg, size: number.size)       // EVIOCGBIT(EV_KEY)
        case (0x22...0x3F, IoctlNumber.read):  // EVIOCGBIT of a type the keyboard does not have: no bits
            return fill([UInt8](repeating: 0, count: 16), arg, size: number.size)
        case (0x84, IoctlNumber.read):  // EVIOCGEFFECTS: no force feedback
            return fill(IoctlData.le32(0), arg, exact: true)
        case (0x90, IoctlNumber.write), (0x91, IoctlNumber.write), (0xA0, IoctlNumber.write):  // EVIOCGRAB, REVOKE, SCLOCKID
            return (0, 0)
        case (0x03, IoctlNumber.read):  // EVIOCGREP: the keyboard does not repeat
            return (-1, ENOSYS)
        case (0x40...0x7F, IoctlNumber.read):  // EVIOCGABS: no absolute axes
            return (-1, EINVAL)
        default:
            return (-1, EINVAL)
        }
    }

    /// Copies `bytes` to the caller: all of them for a fixed-size request (`exact`), else cut to its buffer `size`,
    /// answering the count copied as the kernel does.
    private func fill(_ bytes: [UInt8], _ arg: UnsafeMutablePointer<UMockdevIoctlData>, size: Int = 0, exact: Bool = false) -> (Int, Int32) {
        let copied = exact ? bytes : Array(bytes.prefix(size))
        guard !copied.isEmpty else { return (0, 0) }
        guard let target = IoctlData.resolve(arg, offset: 0, length: copied.count) else { return (-1, EFAULT) }
        defer { g_object_unref(target) }
        IoctlData.update(target, offset: 0, copied)
        return (exact ? 0 : copied.count, 0)
    }
}
